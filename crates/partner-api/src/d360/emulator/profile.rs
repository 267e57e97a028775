//! The number's business profile on the Cloud API hosting (`/whatsapp_business_profile`):
//! `GET ?fields=…` answers `{"data":[{…}]}` with the fields asked for, `POST` with
//! `"messaging_product":"whatsapp"` and the fields to change answers `{"success":true}`. The
//! Cloud API's limits are checked as WhatsApp checks them; a simulated outage answers 503.

use super::access::{unless_outage, KeyChannel};
use super::refusal::Refusal;
use super::Emulator;
use crate::store::sandbox_d360::profiles;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

const FIELDS: [&str; 7] = [
    "about",
    "address",
    "description",
    "email",
    "profile_picture_url",
    "vertical",
    "websites",
];
const VERTICALS: [&str; 19] = [
    "UNDEFINED",
    "OTHER",
    "AUTO",
    "BEAUTY",
    "APPAREL",
    "EDU",
    "ENTERTAIN",
    "EVENT_PLAN",
    "FINANCE",
    "GROCERY",
    "GOVT",
    "HOTEL",
    "HEALTH",
    "NONPROFIT",
    "PROF_SERVICES",
    "RETAIL",
    "TRAVEL",
    "RESTAURANT",
    "NOT_A_BIZ",
];

pub(super) fn routes() -> Router<Emulator> {
    Router::new().route("/whatsapp_business_profile", get(show).post(update))
}

/// What a new number has, as WhatsApp sets it up.
fn default_profile() -> Value {
    json!({
        "about": "Hey there! I am using WhatsApp.",
        "address": "",
        "description": "",
        "email": "",
        "profile_picture_url": "",
        "vertical": "UNDEFINED",
        "websites": [],
    })
}

async fn current(emulator: &Emulator, channel: &str) -> Result<Value, Refusal> {
    Ok(profiles::get(emulator.db(), channel)
        .await?
        .unwrap_or_else(default_profile))
}

#[derive(Deserialize)]
struct ShowQuery {
    fields: Option<String>,
}

async fn show(
    State(emulator): State<Emulator>,
    KeyChannel(channel): KeyChannel,
    Query(query): Query<ShowQuery>,
) -> Result<Json<Value>, Refusal> {
    unless_outage(emulator.db(), &channel).await?;
    let profile = current(&emulator, &channel).await?;
    let wanted: Vec<&str> = match query.fields.as_deref() {
        Some(fields) => fields.split(',').map(str::trim).collect(),
        None => FIELDS.to_vec(),
    };
    let mut shown = Map::new();
    for field in wanted.into_iter().filter(|f| FIELDS.contains(f)) {
        if let Some(value) = profile.get(field) {
            shown.insert(field.to_owned(), value.clone());
        }
    }
    shown.insert("messaging_product".into(), json!("whatsapp"));
    Ok(Json(json!({ "data": [shown] })))
}

async fn update(
    State(emulator): State<Emulator>,
    KeyChannel(channel): KeyChannel,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    unless_outage(emulator.db(), &channel).await?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| Refusal::invalid(format!("The body is not JSON: {e}")))?;
    let changes = checked(&body).map_err(Refusal::invalid)?;
    let mut profile = current(&emulator, &channel).await?;
    for (field, value) in changes {
        profile[field.as_str()] = value;
    }
    profiles::set(emulator.db(), &channel, &profile).await?;
    Ok(Json(json!({"success": true})))
}

/// The fields to change, or what is wrong, in the Cloud API's words.
fn checked(body: &Value) -> Result<Map<String, Value>, String> {
    let body = body.as_object().ok_or("The body must be a JSON object.")?;
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err("Param messaging_product must be 'whatsapp'.".into());
    }
    let mut changes = Map::new();
    for (field, max) in [
        ("about", 139),
        ("address", 256),
        ("description", 512),
        ("email", 128),
    ] {
        let Some(value) = body.get(field) else {
            continue;
        };
        let text = value
            .as_str()
            .ok_or_else(|| format!("Param {field} must be a string."))?;
        if text.chars().count() > max {
            return Err(format!(
                "Param {field} must be at most {max} characters long."
            ));
        }
        if field == "about" && text.is_empty() {
            return Err("Param about must be at least 1 character long.".into());
        }
        if field == "email" && !text.is_empty() && !looks_like_email(text) {
            return Err("Param email is not a valid email address.".into());
        }
        changes.insert(field.into(), value.clone());
    }
    if let Some(vertical) = body.get("vertical") {
        if !vertical.as_str().is_some_and(|v| VERTICALS.contains(&v)) {
            return Err(format!(
                "Param vertical must be one of {}.",
                VERTICALS.join(", ")
            ));
        }
        changes.insert("vertical".into(), vertical.clone());
    }
    if let Some(websites) = body.get("websites") {
        let list = websites
            .as_array()
            .ok_or("Param websites must be an array.")?;
        if list.len() > 2 {
            return Err("Param websites must have at most 2 elements.".into());
        }
        for site in list {
            let ok = site.as_str().is_some_and(|s| {
                (s.starts_with("http://") || s.starts_with("https://")) && s.chars().count() <= 256
            });
            if !ok {
                return Err(
                    "Param websites must hold http(s) URLs of at most 256 characters.".into(),
                );
            }
        }
        changes.insert("websites".into(), websites.clone());
    }
    Ok(changes)
}

fn looks_like_email(text: &str) -> bool {
    text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !text.contains(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_needs_the_messaging_product_and_the_cloud_apis_limits() {
        let fine = checked(&json!({"messaging_product": "whatsapp", "about": "Hi",
                                   "websites": ["https://a.example"], "vertical": "RETAIL"}));
        assert_eq!(fine.unwrap().len(), 3);
        for bad in [
            json!({"about": "Hi"}),
            json!({"messaging_product": "whatsapp", "about": ""}),
            json!({"messaging_product": "whatsapp", "vertical": "SPACE"}),
            json!({"messaging_product": "whatsapp", "email": "nope"}),
            json!({"messaging_product": "whatsapp", "websites": ["a", "b", "c"]}),
            json!({"messaging_product": "whatsapp", "description": "d".repeat(513)}),
        ] {
            assert!(checked(&bad).is_err(), "{bad}");
        }
    }
}
