//! The customer simulator over HTTP, for the sandbox partner only: a customer writes to a
//! channel, the channel's sent messages, and outages of its messaging API.

use super::access::SandboxPartner;
use super::customer::{self, Content, CustomerError, Inbound};
use super::media::MAX_MEDIA_BYTES;
use super::refusal::Refusal;
use super::{channel_exists, Emulator};
use crate::domain::Timestamp;
use crate::store::sandbox_d360::outages;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

/// An outage lasts a day at the most.
const MAX_OUTAGE_SECONDS: u64 = 24 * 60 * 60;

pub(super) fn routes() -> Router<Emulator> {
    // An image travels as base64: 4 bytes for every 3.
    let inbound_limit = MAX_MEDIA_BYTES / 3 * 4 + 64 * 1024;
    Router::new()
        .route(
            "/simulator/channels/{channel_id}/inbound",
            post(inbound).layer(DefaultBodyLimit::max(inbound_limit)),
        )
        .route("/simulator/channels/{channel_id}/sent", get(sent))
        .route("/simulator/channels/{channel_id}/outage", post(outage))
}

fn known_channel(channel_id: &str) -> Result<(), Refusal> {
    if channel_exists(channel_id) {
        return Ok(());
    }
    Err(Refusal::detail(StatusCode::NOT_FOUND, "Channel not found"))
}

fn unprocessable(detail: impl Into<String>) -> Refusal {
    Refusal::detail(StatusCode::UNPROCESSABLE_ENTITY, detail)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InboundBody {
    from: String,
    name: Option<String>,
    text: Option<String>,
    image: Option<ImageBody>,
    timestamp: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImageBody {
    data_base64: String,
    mime_type: String,
    caption: Option<String>,
}

fn inbound_of(body: &[u8]) -> Result<Inbound, Refusal> {
    let body: InboundBody =
        serde_json::from_slice(body).map_err(|e| unprocessable(e.to_string()))?;
    let content = match (body.text, body.image) {
        (Some(text), None) => Content::Text(text),
        (None, Some(image)) => Content::Image {
            bytes: STANDARD
                .decode(image.data_base64.as_bytes())
                .map_err(|e| unprocessable(format!("image.data_base64: {e}")))?,
            mime_type: image.mime_type,
            caption: image.caption,
        },
        _ => return Err(unprocessable("give either text or image")),
    };
    Ok(Inbound {
        from: body.from,
        name: body.name,
        content,
        at: body
            .timestamp
            .map(|secs| Timestamp::from_millis(secs.saturating_mul(1000))),
    })
}

/// `200 {"id","status"}` with the status the webhook got; `502 {"detail","id"}` when the webhook
/// could not be reached (the message is recorded all the same).
async fn inbound(
    _: SandboxPartner,
    State(emulator): State<Emulator>,
    Path(channel_id): Path<String>,
    body: Bytes,
) -> Result<Response, Refusal> {
    known_channel(&channel_id)?;
    let message = inbound_of(&body)?;
    let received = customer::send(emulator.db(), &emulator.http, &channel_id, message)
        .await
        .map_err(|e| match e {
            CustomerError::NoWebhook(_) => Refusal::detail(StatusCode::NOT_FOUND, e.to_string()),
            CustomerError::Invalid(_) => unprocessable(e.to_string()),
            CustomerError::TooLarge => {
                Refusal::detail(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
            }
            CustomerError::Internal(e) => Refusal::Internal(e),
        })?;
    Ok(match received.answer() {
        Ok(answer) => Json(answer).into_response(),
        Err(detail) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({"detail": detail, "id": received.id})),
        )
            .into_response(),
    })
}

async fn sent(
    _: SandboxPartner,
    State(emulator): State<Emulator>,
    Path(channel_id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    known_channel(&channel_id)?;
    Ok(Json(customer::sent(emulator.db(), &channel_id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutageBody {
    seconds: u64,
}

/// `{"until": <Unix seconds>}`; 0 seconds ends the outage.
async fn outage(
    _: SandboxPartner,
    State(emulator): State<Emulator>,
    Path(channel_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    known_channel(&channel_id)?;
    let body: OutageBody =
        serde_json::from_slice(&body).map_err(|e| unprocessable(e.to_string()))?;
    if body.seconds > MAX_OUTAGE_SECONDS {
        return Err(unprocessable(format!(
            "seconds must be at most {MAX_OUTAGE_SECONDS}"
        )));
    }
    let until = Timestamp::now().plus_millis(body.seconds as i64 * 1000);
    outages::set(emulator.db(), &channel_id, until).await?;
    Ok(Json(json!({"until": until.millis() / 1000})))
}
