//! The hub (partner) API: the partner's channels and their keys, behind the sandbox hub's key.

use super::refusal::Refusal;
use super::{channel_exists, phone_number_of, Emulator, HUB_API_KEY, HUB_PARTNER_ID};
use crate::crypto::constant_time_eq;
use crate::store::sandbox_d360;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub(super) fn routes() -> Router<Emulator> {
    Router::new()
        .route("/api/v2/partners/{partner}/channels", get(list_channels))
        .route(
            "/api/v2/partners/{partner}/channels/{channel}/api_keys",
            post(issue_key),
        )
}

/// The refusal of a hub call without the sandbox hub's key or for another partner.
fn hub_refusal(headers: &HeaderMap, partner: &str) -> Result<(), Refusal> {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !constant_time_eq(key, HUB_API_KEY) {
        return Err(Refusal::detail(StatusCode::UNAUTHORIZED, "Invalid API key"));
    }
    if partner != HUB_PARTNER_ID {
        return Err(Refusal::detail(
            StatusCode::FORBIDDEN,
            "Not a partner of this hub",
        ));
    }
    Ok(())
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
    State(emulator): State<Emulator>,
    Path(partner): Path<String>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response, Refusal> {
    hub_refusal(&headers, &partner)?;
    let wanted_id = query
        .filters
        .as_deref()
        .and_then(|f| serde_json::from_str::<Value>(f).ok())
        .and_then(|f| f.get("id").and_then(Value::as_str).map(str::to_owned));
    let ids = match wanted_id {
        Some(id) => channel_exists(&id).then_some(id).into_iter().collect(),
        None => sandbox_d360::known_channels(emulator.db()).await?,
    };
    let channels: Vec<Value> = ids.iter().map(|id| channel_object(id)).collect();
    Ok(Json(json!({"count": channels.len(), "total": channels.len(), "offset": 0, "limit": 1000, "partner_channels": channels}))
        .into_response())
}

async fn issue_key(
    State(emulator): State<Emulator>,
    Path((partner, channel)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    hub_refusal(&headers, &partner)?;
    if !channel_exists(&channel) {
        return Err(Refusal::detail(StatusCode::NOT_FOUND, "Channel not found"));
    }
    let (id, key) = sandbox_d360::issue_key(emulator.db(), &channel).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "address": "sandbox", "api_key": key, "app_id": format!("app_{channel}")})),
    )
        .into_response())
}
