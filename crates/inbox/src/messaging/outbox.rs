//! The sender: one task takes the oldest queued message, sends it through 360Dialog, and only
//! then the next, so messages leave in the order they were accepted. A message 360Dialog cannot
//! take now (network, 5xx, 429) stays first in line and is tried again with a growing delay; the
//! queue is in the database, so a restart carries on where the last run stopped.

use super::d360::D360Error;
use crate::api::views;
use crate::clock;
use crate::domain::outgoing::{cloud_api_body, media_id_of};
use crate::state::AppState;
use crate::store::{D360Settings, OutboxItem};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, Notify};

/// The longest pause between two tries of the message first in line.
const MAX_BACKOFF_SECS: i64 = 60;

/// How a send ended, for the request that is waiting for it.
#[derive(Debug, Clone)]
pub enum SendOutcome {
    Sent,
    /// Kept and sent later (360Dialog unavailable, or an earlier message waits for it).
    Deferred(String),
    /// 360Dialog refused the message for good.
    Refused(String),
    /// 360Dialog refused the instance's key.
    KeyRejected,
}

/// Wakes the sender and hands outcomes to the requests waiting for them.
#[derive(Clone, Default)]
pub struct Outbox {
    wake: Arc<Notify>,
    waiting: Arc<Mutex<HashMap<i64, oneshot::Sender<SendOutcome>>>>,
}

impl Outbox {
    /// Call before `wake`: the outcome of message `id` arrives on the receiver.
    pub fn outcome_of(&self, id: i64) -> oneshot::Receiver<SendOutcome> {
        let (tell, told) = oneshot::channel();
        self.lock().insert(id, tell);
        told
    }

    /// Something was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn forget(&self, id: i64) {
        self.lock().remove(&id);
    }

    fn tell(&self, id: i64, outcome: SendOutcome) {
        if let Some(waiting) = self.lock().remove(&id) {
            let _ = waiting.send(outcome);
        }
    }

    /// Everyone waiting now waits behind a message that cannot be sent yet.
    fn defer_everyone(&self, why: &str) {
        for (_, waiting) in self.lock().drain() {
            let _ = waiting.send(SendOutcome::Deferred(why.to_owned()));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, oneshot::Sender<SendOutcome>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs for the life of the instance.
pub fn spawn_sender(state: AppState) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = send_next(&state).await {
                tracing::error!(error = format!("{e:#}"), "outbox");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    });
}

async fn send_next(state: &AppState) -> anyhow::Result<()> {
    let outbox = &state.messaging.outbox;
    let Some(item) = state.store.outbox_head().await? else {
        outbox.wake.notified().await;
        return Ok(());
    };
    let wait = item.next_attempt_at - clock::now();
    if wait > 0 {
        outbox.defer_everyone("360Dialog is unavailable; the message is queued and will be sent.");
        let pause = Duration::from_secs(wait as u64);
        let _ = tokio::time::timeout(pause, outbox.wake.notified()).await;
        return Ok(());
    }
    let outcome = send(state, &item).await?;
    if let SendOutcome::Deferred(why) = &outcome {
        outbox.defer_everyone(why);
    }
    outbox.tell(item.message_id, outcome);
    Ok(())
}

async fn send(state: &AppState, item: &OutboxItem) -> anyhow::Result<SendOutcome> {
    let id = item.message_id;
    let Some(settings) = state.store.platform_settings().await?.d360 else {
        let reason = "The instance has no 360Dialog API key.";
        return refuse(state, id, 0, reason, SendOutcome::Refused(reason.into())).await;
    };
    let sent = match body_for_360dialog(state, &settings, &item.payload).await {
        Ok(body) => state.messaging.d360.send_message(&settings, &body).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(wamid) => {
            let mut payload = item.payload.clone();
            payload["id"] = json!(wamid);
            state.store.outbox_sent(id, &wamid, &payload).await?;
            state.messaging.key_accepted();
            publish(state, id).await?;
            tracing::info!(message = id, %wamid, "message sent");
            Ok(SendOutcome::Sent)
        }
        Err(D360Error::Unavailable(why)) => {
            let backoff = 1_i64 << item.attempts.clamp(0, 6);
            let next = clock::now() + backoff.min(MAX_BACKOFF_SECS);
            state.store.outbox_postpone(id, next, &why).await?;
            tracing::warn!(message = id, attempt = item.attempts + 1, error = %why, "360Dialog unavailable; the message waits");
            Ok(SendOutcome::Deferred(format!(
                "360Dialog is unavailable ({why}); the message is queued and will be sent."
            )))
        }
        Err(D360Error::KeyRejected) => {
            state.messaging.key_rejected();
            let reason = "360Dialog refused this instance's API key; the partner must renew it.";
            refuse(state, id, 401, reason, SendOutcome::KeyRejected).await
        }
        Err(D360Error::Refused { status, details }) => {
            let reason = format!("360Dialog refused the message: {details}");
            let outcome = SendOutcome::Refused(reason.clone());
            refuse(state, id, status, &reason, outcome).await
        }
        Err(D360Error::Unexpected(details)) => {
            // Whether 360Dialog took it is unknown: sending again could deliver it twice.
            let reason = format!("Unexpected answer from 360Dialog: {details}");
            let outcome = SendOutcome::Refused(reason.clone());
            refuse(state, id, 502, &reason, outcome).await
        }
    }
}

async fn refuse(
    state: &AppState,
    id: i64,
    code: u16,
    reason: &str,
    outcome: SendOutcome,
) -> anyhow::Result<SendOutcome> {
    let errors = json!([{"code": code, "title": "Message not sent", "details": reason}]);
    state
        .store
        .outbox_refused(id, &errors, clock::now())
        .await?;
    publish(state, id).await?;
    tracing::warn!(message = id, reason, "message not sent");
    Ok(outcome)
}

/// Every connected client sees the message as it now is.
async fn publish(state: &AppState, id: i64) -> anyhow::Result<()> {
    if let Some(message) = state.store.message(id).await? {
        state
            .push
            .outgoing_messages(vec![views::message(&message, &state.identity)]);
    }
    Ok(())
}

/// The stored payload as 360Dialog takes it: a file uploaded here goes to 360Dialog first (once)
/// and is sent by 360Dialog's media id.
async fn body_for_360dialog(
    state: &AppState,
    settings: &D360Settings,
    stored: &Value,
) -> Result<Value, D360Error> {
    let mut body = cloud_api_body(stored);
    let Some(local_id) = media_id_of(&body).map(str::to_owned) else {
        return Ok(body);
    };
    let unexpected = |e: anyhow::Error| D360Error::Unexpected(format!("{e:#}"));
    let Some(media) = state.store.media(&local_id).await.map_err(unexpected)? else {
        // Not ours: a media id of 360Dialog given by the client.
        return Ok(body);
    };
    let d360_id = match media.d360_media_id {
        Some(id) => id,
        None => {
            let bytes = state
                .messaging
                .media
                .read(&local_id)
                .await
                .map_err(unexpected)?;
            let id = state
                .messaging
                .d360
                .upload_media(settings, bytes, &media.mime_type, &media.file_name)
                .await?;
            state
                .store
                .set_d360_media_id(&local_id, &id)
                .await
                .map_err(unexpected)?;
            id
        }
    };
    if let Some(kind) = body.get("type").and_then(Value::as_str).map(str::to_owned) {
        body[kind.as_str()]["id"] = json!(d360_id);
    }
    Ok(body)
}
