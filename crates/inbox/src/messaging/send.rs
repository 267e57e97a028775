//! Sending one message for a person of the team: the window check, the outbox, and the wait
//! for 360Dialog's answer. The API and the web inbox both send through here.

use super::outbox::SendOutcome;
use crate::clock;
use crate::domain::outgoing::{Outgoing, CUSTOMER_SERVICE_WINDOW_SECS};
use crate::domain::User;
use crate::state::AppState;
use crate::store::{MessageRecord, NewOutgoing};
use serde_json::Value;
use std::time::Duration;

/// How long a send waits for 360Dialog before it answers that the message is queued (it is then
/// sent as soon as 360Dialog takes it).
const SEND_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("The customer last wrote more than 24 hours ago (or never): WhatsApp allows only a template message until they write again.")]
    OutsideWindow,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The message as stored after the send, and how the send ended.
pub struct Sent {
    pub message: MessageRecord,
    pub outcome: SendOutcome,
}

/// Free-form messages only within 24 hours of the customer's last message; templates always.
pub async fn window_is_open(state: &AppState, outgoing: &Outgoing) -> anyhow::Result<bool> {
    if outgoing.is_template() {
        return Ok(true);
    }
    let chat = state.store.chat(&outgoing.wa_id).await?;
    let last_inbound = chat.and_then(|c| c.last_inbound_at);
    Ok(last_inbound.is_some_and(|at| clock::now() - at < CUSTOMER_SERVICE_WINDOW_SECS))
}

pub async fn send(state: &AppState, sender: &User, outgoing: &Outgoing) -> Result<Sent, SendError> {
    if !window_is_open(state, outgoing).await? {
        return Err(SendError::OutsideWindow);
    }
    let id = state
        .store
        .enqueue_outgoing(&NewOutgoing {
            wa_id: &outgoing.wa_id,
            kind: &outgoing.kind,
            payload: &outgoing.body,
            search_text: &outgoing.search_text(),
            sender: Some(sender.id),
            timestamp: clock::now(),
        })
        .await?;
    let outbox = &state.messaging.outbox;
    let told = outbox.outcome_of(id);
    outbox.wake();
    // The sender may have taken the message before the outcome was asked for: then the store
    // knows, and nobody will tell.
    if !is_settled(state, id).await? {
        if let Ok(Ok(outcome)) = tokio::time::timeout(SEND_WAIT, told).await {
            outbox.forget(id);
            return settled(state, id, outcome).await;
        }
    }
    outbox.forget(id);
    let queued =
        SendOutcome::Deferred("360Dialog has not answered yet; the message is queued.".into());
    settled(state, id, queued).await
}

async fn is_settled(state: &AppState, id: i64) -> anyhow::Result<bool> {
    let message = state.store.message(id).await?;
    Ok(message.is_some_and(|m| m.wamid.is_some() || m.failed_at.is_some()))
}

/// The outcome as the store now tells it: a message still `Deferred` may have been sent or
/// refused meanwhile.
async fn settled(state: &AppState, id: i64, outcome: SendOutcome) -> Result<Sent, SendError> {
    let message = state
        .store
        .message(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("message {id} vanished after it was queued"))?;
    let outcome = match outcome {
        SendOutcome::Deferred(_) if message.wamid.is_some() => SendOutcome::Sent,
        SendOutcome::Deferred(_) if message.failed_at.is_some() => {
            SendOutcome::Refused(failure_reason(message.errors.as_ref()))
        }
        outcome => outcome,
    };
    Ok(Sent { message, outcome })
}

fn failure_reason(errors: Option<&Value>) -> String {
    errors
        .and_then(|e| e.pointer("/0/details"))
        .and_then(Value::as_str)
        .unwrap_or("The message was not sent.")
        .to_owned()
}
