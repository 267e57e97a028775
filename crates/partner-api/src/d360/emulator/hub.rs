//! An emulation of the 360Dialog hub and messaging endpoints the platform uses, served by `serve`
//! under `/sandbox/360dialog/` when the sandbox is on. The production client talks to it exactly
//! as it talks to 360Dialog.
//!
//! Its world: every channel id of 3 to 64 letters and digits exists and has its own phone number;
//! any other channel id (one with `-` or `_`, or shorter than 3) is unknown. A generated key
//! revokes the channel's previous one. The issued keys live in the database, so they survive a
//! restart like real ones.

use super::PhoneNumber;
use crate::crypto::{constant_time_eq, sha256_hex};
use crate::store::{sandbox_d360, Db};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// The hub credentials of the sandbox: public, like the sandbox partner key itself.
pub const HUB_PARTNER_ID: &str = "sandbox";
pub const HUB_API_KEY: &str = "sandbox-hub-key";
/// Where `serve` mounts the emulator.
pub const MOUNT: &str = "/sandbox/360dialog";

/// The base URLs of the emulated hub and messaging APIs on a service at `api_origin`.
pub fn hub_url(api_origin: &str) -> String {
    format!("{api_origin}{MOUNT}/api/v2")
}

pub fn messaging_url(api_origin: &str) -> String {
    format!("{api_origin}{MOUNT}")
}

pub fn channel_exists(channel_id: &str) -> bool {
    (3..=64).contains(&channel_id.len()) && channel_id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A stable, distinct-looking German mobile number for each channel.
pub fn phone_number_of(channel_id: &str) -> PhoneNumber {
    let digest = sha256_hex(channel_id);
    let n = u64::from_str_radix(&digest[..15], 16).unwrap_or(0) % 1_000_000_000;
    PhoneNumber::parse(&format!("+49 15{n:09}")).expect("13 digits form a phone number")
}

pub fn router<S>(db: Db) -> Router<S> {
    Router::new()
        .route("/api/v2/partners/{partner}/channels", get(list_channels))
        .route(
            "/api/v2/partners/{partner}/channels/{channel}/api_keys",
            post(issue_key),
        )
        .route("/health_status", get(health_status))
        .with_state(db)
}

fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"detail": message}))).into_response()
}

/// The refusal of a hub call without the sandbox hub's key or for another partner.
fn hub_refusal(headers: &HeaderMap, partner: &str) -> Option<Response> {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !constant_time_eq(key, HUB_API_KEY) {
        return Some(detail(StatusCode::UNAUTHORIZED, "Invalid API key"));
    }
    (partner != HUB_PARTNER_ID).then(|| detail(StatusCode::FORBIDDEN, "Not a partner of this hub"))
}

fn channel_object(channel_id: &str) -> Value {
    json!({
        "id": channel_id,
        "status": "ready",
        "setup_info": {"phone_number": phone_number_of(channel_id).as_str(), "phone_name": format!("Sandbox {channel_id}")},
    })
}

#[derive(Deserialize)]
struct ListQuery {
    filters: Option<String>,
}

async fn list_channels(
    State(db): State<Db>,
    Path(partner): Path<String>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Some(refused) = hub_refusal(&headers, &partner) {
        return refused;
    }
    let wanted_id = query
        .filters
        .as_deref()
        .and_then(|f| serde_json::from_str::<Value>(f).ok())
        .and_then(|f| f.get("id").and_then(Value::as_str).map(str::to_owned));
    let ids = match wanted_id {
        Some(id) => channel_exists(&id).then_some(id).into_iter().collect(),
        None => match sandbox_d360::known_channels(&db).await {
            Ok(ids) => ids,
            Err(e) => return crate::api::error::ApiError::Internal(e).into_response(),
        },
    };
    let channels: Vec<Value> = ids.iter().map(|id| channel_object(id)).collect();
    Json(json!({"count": channels.len(), "total": channels.len(), "offset": 0, "limit": 1000, "partner_channels": channels}))
        .into_response()
}

async fn issue_key(
    State(db): State<Db>,
    Path((partner, channel)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = hub_refusal(&headers, &partner) {
        return refused;
    }
    if !channel_exists(&channel) {
        return detail(StatusCode::NOT_FOUND, "Channel not found");
    }
    match sandbox_d360::issue_key(&db, &channel).await {
        Ok((id, key)) => (
            StatusCode::CREATED,
            Json(json!({"id": id, "address": "sandbox", "api_key": key, "app_id": format!("app_{channel}")})),
        )
            .into_response(),
        Err(e) => crate::api::error::ApiError::Internal(e).into_response(),
    }
}

async fn health_status(State(db): State<Db>, headers: HeaderMap) -> Response {
    let key = headers
        .get("d360-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let channel = match sandbox_d360::channel_of_live_key(&db, key).await {
        Ok(Some(channel)) => channel,
        Ok(None) => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"meta": {"success": false, "http_code": 401, "developer_message": "Invalid api key"}})),
            )
                .into_response()
        }
        Err(e) => return crate::api::error::ApiError::Internal(e).into_response(),
    };
    let number = phone_number_of(&channel);
    Json(json!({"health_status": {"can_send_message": "AVAILABLE", "entities": [
        {"entity_type": "PHONE_NUMBER", "id": format!("pn_{channel}"), "phone_number": number.as_str(), "can_send_message": "AVAILABLE"},
        {"entity_type": "WABA", "id": format!("waba_{channel}"), "can_send_message": "AVAILABLE"},
    ]}}))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_of_3_to_64_letters_and_digits_exist() {
        assert!(channel_exists("ChAnElCH"));
        assert!(channel_exists("abc"));
        for unknown in ["ab", "no_such", "no-such", "ä123", &"c".repeat(65)] {
            assert!(!channel_exists(unknown), "{unknown}");
        }
    }

    #[test]
    fn each_channel_has_a_stable_number_of_its_own() {
        assert_eq!(phone_number_of("ChAnElCH"), phone_number_of("ChAnElCH"));
        assert_ne!(phone_number_of("ChAnElCH"), phone_number_of("ChAnElCH2"));
        assert!(phone_number_of("x1y").as_str().starts_with("+4915"));
    }
}
