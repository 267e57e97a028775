//! The Cloud API webhooks the emulator sends to a channel's registered URL.

use super::phone_number_of;
use crate::crypto::random_alphanumeric;
use crate::domain::Timestamp;
use crate::store::sandbox_d360::webhooks::Registration;
use serde_json::{json, Map, Value};

pub fn new_wamid() -> String {
    format!("wamid.HBgM{}", random_alphanumeric(40))
}

/// Cloud API timestamps: Unix seconds as a string.
pub fn unix_seconds(at: Timestamp) -> String {
    at.millis().div_euclid(1000).to_string()
}

/// The webhook body around a change's `contacts`/`messages` or `statuses`.
pub fn body(channel_id: &str, fields: Map<String, Value>) -> Value {
    let number = phone_number_of(channel_id);
    let mut value = Map::new();
    value.insert("messaging_product".into(), json!("whatsapp"));
    value.insert(
        "metadata".into(),
        json!({
            "display_phone_number": number.as_str().trim_start_matches('+'),
            "phone_number_id": format!("pn_{channel_id}"),
        }),
    );
    value.extend(fields);
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": format!("waba_{channel_id}"),
            "changes": [{"field": "messages", "value": value}],
        }],
    })
}

/// POSTs the body with the registered headers; the status the receiver answered.
pub async fn deliver(
    http: &reqwest::Client,
    to: &Registration,
    body: &Value,
) -> Result<u16, reqwest::Error> {
    let mut request = http.post(&to.url).json(body);
    for (name, value) in &to.headers {
        request = request.header(name, value);
    }
    let response = request.send().await?;
    Ok(response.status().as_u16())
}
