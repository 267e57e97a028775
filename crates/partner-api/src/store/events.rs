//! The outbox of asynchronous events: written in the same transaction as the state change that
//! causes it, delivered by the delivery worker.

use super::{Signal, Tx};
use crate::domain::webhook::WebhookHeaders;
use crate::domain::{prefixed_random_id, InstanceId, PartnerId, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// `{"token": …}` to the configurator's webhook.
    Token,
    /// `{"errors": […]}` to the configurator's webhook.
    Errors,
    /// The `WhatsApp Inbox Activation` e-mail to the admin.
    ActivationEmail,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Errors => "errors",
            Self::ActivationEmail => "activation_email",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Token, Self::Errors, Self::ActivationEmail]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

pub struct NewEvent<'a> {
    pub partner_id: &'a PartnerId,
    pub instance_id: &'a InstanceId,
    pub kind: EventKind,
    /// The webhook URL, or the e-mail address of an `ActivationEmail`.
    pub target: &'a str,
    pub headers: &'a WebhookHeaders,
    /// The exact body of a webhook; for an e-mail `{"activation_url": …, "subdomain": …}`.
    pub payload: &'a serde_json::Value,
}

/// Queues the event inside `tx`; its id is the `webhook-id` of every attempt. The payload is
/// sealed: a `token` event carries a credential.
pub async fn enqueue(tx: &mut Tx, event: &NewEvent<'_>) -> anyhow::Result<String> {
    let id = prefixed_random_id("msg");
    let now = Timestamp::now().millis();
    let sealed = tx.db.secrets().seal(&event.payload.to_string());
    sqlx::query(
        "INSERT INTO events (id, partner_id, instance_id, kind, target, headers, payload_sealed, status, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)",
    )
    .bind(&id)
    .bind(event.partner_id.as_str())
    .bind(event.instance_id.as_str())
    .bind(event.kind.as_str())
    .bind(event.target)
    .bind(event.headers.to_json())
    .bind(sealed)
    .bind(now)
    .execute(tx.conn())
    .await?;
    tx.signal(Signal::Events);
    Ok(id)
}
