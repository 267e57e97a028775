//! The outbox of asynchronous events: written in the same transaction as the state change that
//! causes it, delivered by the delivery worker.

mod log;
mod queue;

pub use log::{find, list_for_instance, AttemptLog, AttemptOutcome, EventLog};
pub use queue::{
    claim_due, count_by_status, keep_lease, next_due_at, record_attempts, redeliver, AttemptRecord,
    ClaimedEvent, NextStep, Redelivery, ATTEMPTS_PER_HOUR_BEFORE_REDELIVERY_WAITS,
};

use super::{Signal, Tx};
use crate::domain::webhook::WebhookHeaders;
pub use crate::domain::EventKind;
use crate::domain::{prefixed_random_id, InstanceId, PartnerId, Timestamp};
use std::fmt;

/// Where an event stands: `pending` until one attempt succeeds (`delivered`) or none is left (`failed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventStatus {
    Pending,
    Delivered,
    Failed,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// `msg_` and 24 hex digits: the `webhook-id` of every attempt of one event.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventId(String);

impl EventId {
    fn generate() -> Self {
        Self(prefixed_random_id("msg"))
    }

    /// `None` for anything that cannot be an event id, so a malformed id is simply not found.
    pub fn parse(raw: &str) -> Option<Self> {
        let hex = raw.strip_prefix("msg_")?;
        let valid = hex.len() == 24 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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

/// How many events of `kind` were queued for the instance since `since`, and when the oldest of
/// them was.
pub async fn queued_since(
    db: &super::Db,
    instance: &InstanceId,
    kind: EventKind,
    since: Timestamp,
) -> anyhow::Result<(i64, Option<Timestamp>)> {
    let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM events \
         WHERE instance_id = $1 AND kind = $2 AND created_at > $3",
    )
    .bind(instance.as_str())
    .bind(kind.as_str())
    .bind(since.millis())
    .fetch_one(db.pool())
    .await?;
    Ok((count, oldest.map(Timestamp::from_millis)))
}

/// Queues the event inside `tx`; its id is the `webhook-id` of every attempt. The payload is
/// sealed: a `token` event carries a credential.
pub async fn enqueue(tx: &mut Tx, event: &NewEvent<'_>) -> anyhow::Result<String> {
    let id = EventId::generate();
    let now = Timestamp::now().millis();
    let sealed = tx.db.secrets().seal(&event.payload.to_string());
    sqlx::query(
        "INSERT INTO events (id, partner_id, instance_id, kind, target, headers, payload_sealed, status, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)",
    )
    .bind(id.as_str())
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
    // Counted when queued inside the transaction: a rolled-back state change is rare enough.
    crate::metrics::event_queued(event.kind.as_str());
    Ok(id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_generated_in_the_form_they_are_parsed_in() {
        let id = EventId::generate();
        assert_eq!(EventId::parse(id.as_str()), Some(id));
        for raw in [
            "",
            "msg_",
            "msg_XYZ",
            "evt_0123456789abcdef01234567",
            "msg_0123456789abcdef0123456",
        ] {
            assert_eq!(EventId::parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn kinds_and_statuses_round_trip_through_their_column_values() {
        for kind in [
            EventKind::Token,
            EventKind::Errors,
            EventKind::ActivationEmail,
        ] {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        for status in [
            EventStatus::Pending,
            EventStatus::Delivered,
            EventStatus::Failed,
        ] {
            assert_eq!(EventStatus::parse(status.as_str()), Some(status));
        }
    }
}
