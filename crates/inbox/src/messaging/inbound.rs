//! `POST /api/v1/whatsapp/webhook/`: what 360Dialog sends about the number. The secret header
//! proves the sender; each message is stored once by its wamid, whatever 360Dialog repeats; every
//! body goes to the connected clients as it came. The answer comes as soon as it is stored.

use super::fetch::fetch_in_background;
use crate::api::{views, ApiBytes, ApiError};
use crate::bootstrap::INBOUND_SECRET_HEADER;
use crate::clock;
use crate::domain::whatsapp::InboundBatch;
use crate::secret::SecretDigest;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<Json<Value>, ApiError> {
    let presented = headers
        .get(INBOUND_SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(SecretDigest::of);
    let expected = state.identity.inbound_secret.as_ref();
    if !matches!((presented, expected), (Some(p), Some(e)) if p.matches(e)) {
        return Err(ApiError::Forbidden(
            "The webhook secret is missing or wrong.",
        ));
    }
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::MalformedBody(format!("JSON parse error - {e}")))?;
    let batch = InboundBatch::from_webhook(&body, clock::now());
    for why in &batch.skipped {
        tracing::warn!(reason = why.as_str(), "part of a webhook skipped");
    }
    let recorded = state.messaging.recorder.record(batch).await?;
    state.push.waba_webhook(&body);
    for wa_id in &recorded.reopened {
        let reopened = views::chat_resolved(wa_id.as_str(), None, None, clock::now());
        state.push.getchat_webhook(reopened);
    }
    for event in &recorded.assigned {
        state.push.getchat_webhook(views::chat_assignment(event));
    }
    fetch_in_background(
        &state,
        recorded.new_media.into_iter().map(|m| m.id).collect(),
    );
    if !recorded.new_messages.is_empty() || recorded.statuses_kept > 0 {
        tracing::debug!(
            new = recorded.new_messages.len(),
            statuses = recorded.statuses_applied,
            early_statuses = recorded.statuses_kept,
            "webhook stored"
        );
    }
    Ok(Json(json!({})))
}
