//! The messaging API of a number (`waba-v2.360dialog.io`), authenticated by the channel's key:
//! its health, its webhook registration, sending, and its templates.

use super::access::{unless_outage, KeyChannel};
use super::outgoing;
use super::refusal::Refusal;
use super::statuses::{self, Accepted};
use super::{phone_number_of, templates, webhook, Emulator};
use crate::domain::Timestamp;
use crate::store::sandbox_d360::media;
use crate::store::sandbox_d360::messages::{self, Direction, NewMessage};
use crate::store::sandbox_d360::webhooks::{self, Registration};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(super) fn routes() -> Router<Emulator> {
    Router::new()
        .route("/health_status", get(health_status))
        .route("/v1/configs/webhook", get(webhook_config).post(set_webhook))
        .route("/v1/configs/templates", get(list_templates))
        .route("/messages", post(send))
}

async fn health_status(KeyChannel(channel): KeyChannel) -> Json<Value> {
    let number = phone_number_of(&channel);
    Json(
        json!({"health_status": {"can_send_message": "AVAILABLE", "entities": [
            {"entity_type": "PHONE_NUMBER", "id": format!("pn_{channel}"), "phone_number": number.as_str(), "can_send_message": "AVAILABLE"},
            {"entity_type": "WABA", "id": format!("waba_{channel}"), "can_send_message": "AVAILABLE"},
        ]}}),
    )
}

/// The registration, headers included: in the sandbox nothing is hidden.
async fn webhook_config(
    State(emulator): State<Emulator>,
    KeyChannel(channel): KeyChannel,
) -> Result<Json<Value>, Refusal> {
    let registration = webhooks::get(emulator.db(), &channel).await?;
    Ok(Json(match registration {
        Some(r) => json!({"url": r.url, "headers": r.headers}),
        None => json!({"url": null, "headers": {}}),
    }))
}

fn registration_of(body: &Value) -> Result<Registration, String> {
    let url = body
        .get("url")
        .and_then(Value::as_str)
        .ok_or("The parameter url is required.")?;
    let parsed = url::Url::parse(url).map_err(|e| format!("Param url is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("Param url must be an http or https URL.".into());
    }
    let headers = match body.get("headers") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(headers)) => headers
            .iter()
            .map(|(name, value)| {
                let value = value
                    .as_str()
                    .ok_or("Param headers must map names to strings.")?;
                let usable = HeaderName::from_bytes(name.as_bytes()).is_ok()
                    && HeaderValue::from_str(value).is_ok();
                if !usable {
                    return Err(format!("Param headers has an invalid header {name:?}."));
                }
                Ok((name.clone(), value.to_owned()))
            })
            .collect::<Result<_, String>>()?,
        Some(_) => return Err("Param headers must be an object.".into()),
    };
    Ok(Registration {
        url: url.to_owned(),
        headers,
    })
}

async fn set_webhook(
    State(emulator): State<Emulator>,
    KeyChannel(channel): KeyChannel,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| Refusal::invalid(format!("The body is not JSON: {e}")))?;
    let registration = registration_of(&body).map_err(Refusal::invalid)?;
    webhooks::set(emulator.db(), &channel, &registration).await?;
    Ok(Json(json!({"url": registration.url})))
}

async fn list_templates(KeyChannel(channel): KeyChannel) -> Json<Value> {
    Json(templates::list(&channel))
}

/// Accepts the message, records it as sent, and leaves its statuses to a task of their own.
async fn send(
    State(emulator): State<Emulator>,
    KeyChannel(channel): KeyChannel,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    let db = emulator.db();
    unless_outage(db, &channel).await?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| Refusal::invalid(format!("The body is not JSON: {e}")))?;
    let message = outgoing::parse(&body).map_err(Refusal::invalid)?;
    let media_sha256 = match message.media_id {
        Some(id) => {
            let info = media::info(db, &channel, id).await?;
            let info = info.ok_or_else(|| Refusal::invalid(format!("Unknown media id {id}.")))?;
            Some(info.sha256)
        }
        None => None,
    };
    let fate = statuses::fate(db, &channel, message.wa_id, message.needs_window()).await?;
    let wamid = webhook::new_wamid();
    messages::record(
        db,
        &NewMessage {
            wamid: &wamid,
            channel_id: &channel,
            direction: Direction::Out,
            customer_wa_id: message.wa_id,
            body: &body,
            media_sha256: media_sha256.as_deref(),
            at: Timestamp::now(),
        },
    )
    .await?;
    let answer = json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": message.to, "wa_id": message.wa_id}],
        "messages": [{"id": wamid}],
    });
    let accepted = Accepted {
        channel_id: channel,
        wamid,
        wa_id: message.wa_id.to_owned(),
        fate,
    };
    statuses::spawn(db.clone(), emulator.http.clone(), accepted);
    Ok(Json(answer))
}
