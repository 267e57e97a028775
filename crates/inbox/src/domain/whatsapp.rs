//! What a Cloud API webhook tells the instance, checked into types: the people, their messages
//! and the statuses of ours. Parsing never fails as a whole: what cannot be understood is kept
//! as `unsupported` or skipped with a reason, so one odd message never loses the rest.

use super::WaId;
use serde_json::{json, Value};

/// The message types of the Cloud API this instance knows; any other is stored as `unsupported`.
const KNOWN_TYPES: &[&str] = &[
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "button",
    "reaction",
    "order",
    "system",
    "request_welcome",
    "template",
    "unsupported",
];
const MEDIA_TYPES: &[&str] = &["image", "video", "audio", "document", "sticker"];

#[derive(Debug, Default)]
pub struct InboundBatch {
    /// Profile names by number, from `contacts`.
    pub contacts: Vec<(WaId, String)>,
    pub messages: Vec<InboundMessage>,
    pub statuses: Vec<StatusUpdate>,
    /// Parts of the body that were skipped, with why (logged, never stored).
    pub skipped: Vec<String>,
}

#[derive(Debug)]
pub struct InboundMessage {
    pub wamid: String,
    pub from: WaId,
    /// One of `KNOWN_TYPES`.
    pub kind: String,
    pub timestamp: i64,
    /// The message object as WhatsApp sent it (for an unknown type, with `type` `unsupported`
    /// and the original type under `original_type`).
    pub payload: Value,
    pub search_text: String,
    pub media: Option<MediaRef>,
}

/// A file a message refers to by WhatsApp's media id.
#[derive(Debug, Clone)]
pub struct MediaRef {
    pub id: String,
    pub mime_type: String,
    pub sha256: Option<String>,
    pub file_name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "sent" => Some(Self::Sent),
            "delivered" => Some(Self::Delivered),
            "read" => Some(Self::Read),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StatusUpdate {
    pub wamid: String,
    pub status: DeliveryStatus,
    pub timestamp: i64,
    pub errors: Option<Value>,
}

impl InboundBatch {
    /// Reads `entry[].changes[].value` of a `whatsapp_business_account` webhook body.
    pub fn from_webhook(body: &Value, now: i64) -> Self {
        let mut batch = Self::default();
        let values = body
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.get("changes").and_then(Value::as_array))
            .flatten()
            .filter_map(|change| change.get("value"));
        for value in values {
            batch.read_value(value, now);
        }
        batch
    }

    fn read_value(&mut self, value: &Value, now: i64) {
        for contact in array(value, "contacts") {
            let wa_id = contact
                .get("wa_id")
                .and_then(Value::as_str)
                .and_then(WaId::parse);
            let name = contact
                .pointer("/profile/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if let Some(wa_id) = wa_id {
                self.contacts.push((wa_id, name.to_owned()));
            }
        }
        for message in array(value, "messages") {
            match InboundMessage::read(message, now) {
                Ok(message) => self.messages.push(message),
                Err(why) => self.skipped.push(why),
            }
        }
        for status in array(value, "statuses") {
            match StatusUpdate::read(status, now) {
                Ok(status) => self.statuses.push(status),
                Err(why) => self.skipped.push(why),
            }
        }
    }
}

impl InboundMessage {
    fn read(message: &Value, now: i64) -> Result<Self, String> {
        let wamid = message
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty() && id.len() <= 256)
            .ok_or("a message without an id")?;
        let from = message
            .get("from")
            .and_then(Value::as_str)
            .and_then(WaId::parse)
            .ok_or_else(|| format!("message {wamid} without a valid `from`"))?;
        let original = message.get("type").and_then(Value::as_str).unwrap_or("");
        let mut payload = message.clone();
        let kind = if KNOWN_TYPES.contains(&original) {
            original.to_owned()
        } else {
            payload["original_type"] = json!(original);
            payload["type"] = json!("unsupported");
            "unsupported".to_owned()
        };
        Ok(Self {
            wamid: wamid.to_owned(),
            from,
            timestamp: timestamp_of(message).unwrap_or(now),
            search_text: search_text(&kind, message),
            media: media_of(&kind, message),
            kind,
            payload,
        })
    }
}

impl StatusUpdate {
    fn read(status: &Value, now: i64) -> Result<Self, String> {
        let wamid = status
            .get("id")
            .and_then(Value::as_str)
            .ok_or("a status without an id")?;
        let raw = status.get("status").and_then(Value::as_str).unwrap_or("");
        let delivery = DeliveryStatus::parse(raw)
            .ok_or_else(|| format!("status {raw:?} of {wamid} is not one this instance keeps"))?;
        Ok(Self {
            wamid: wamid.to_owned(),
            status: delivery,
            timestamp: timestamp_of(status).unwrap_or(now),
            errors: status.get("errors").cloned(),
        })
    }
}

fn array<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The Cloud API sends Unix seconds as a string; a number is taken too.
fn timestamp_of(object: &Value) -> Option<i64> {
    match object.get("timestamp")? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// The words a search should find a message by.
pub fn search_text(kind: &str, message: &Value) -> String {
    let pointers: &[&str] = match kind {
        "text" => &["/text/body"],
        "image" | "video" | "document" => &[
            "/image/caption",
            "/video/caption",
            "/document/caption",
            "/document/filename",
        ],
        "button" => &["/button/text"],
        "interactive" => &[
            "/interactive/button_reply/title",
            "/interactive/list_reply/title",
            "/interactive/body/text",
        ],
        "template" => &["/template/name"],
        "location" => &["/location/name", "/location/address"],
        _ => &[],
    };
    pointers
        .iter()
        .filter_map(|p| message.pointer(p).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

fn media_of(kind: &str, message: &Value) -> Option<MediaRef> {
    if !MEDIA_TYPES.contains(&kind) {
        return None;
    }
    let object = message.get(kind)?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(MediaRef {
        id: text("id").filter(|id| is_media_id(id))?,
        mime_type: text("mime_type").unwrap_or_else(|| "application/octet-stream".into()),
        sha256: text("sha256"),
        file_name: text("filename").unwrap_or_default(),
    })
}

/// Media ids name files on disk: only letters, digits, `-`, `_` and `.` (not leading).
pub fn is_media_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(value: Value) -> Value {
        json!({"object": "whatsapp_business_account",
               "entry": [{"id": "waba", "changes": [{"field": "messages", "value": value}]}]})
    }

    #[test]
    fn a_text_message_is_read_with_its_contact_and_time() {
        let body = webhook(json!({
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "4915112345678"}],
            "messages": [{"from": "4915112345678", "id": "wamid.1", "timestamp": "1700000000",
                          "type": "text", "text": {"body": "Hello there"}}]}));
        let batch = InboundBatch::from_webhook(&body, 5);
        assert_eq!(batch.contacts[0].1, "Ana");
        let message = &batch.messages[0];
        assert_eq!(
            (message.kind.as_str(), message.timestamp),
            ("text", 1_700_000_000)
        );
        assert_eq!(message.search_text, "Hello there");
        assert!(batch.skipped.is_empty());
    }

    #[test]
    fn an_unknown_type_is_kept_as_unsupported_and_a_message_without_id_is_skipped() {
        let body = webhook(json!({"messages": [
            {"from": "4915112345678", "id": "wamid.2", "type": "hologram"},
            {"from": "4915112345678", "type": "text"}]}));
        let batch = InboundBatch::from_webhook(&body, 7);
        assert_eq!(batch.messages.len(), 1);
        assert_eq!(batch.messages[0].kind, "unsupported");
        assert_eq!(batch.messages[0].payload["original_type"], "hologram");
        assert_eq!(batch.messages[0].timestamp, 7);
        assert_eq!(batch.skipped.len(), 1);
    }

    #[test]
    fn media_ids_that_could_name_another_file_are_refused() {
        let body = webhook(
            json!({"messages": [{"from": "4915112345678", "id": "w", "type": "image",
            "image": {"id": "../../etc/passwd", "mime_type": "image/jpeg"}}]}),
        );
        assert!(InboundBatch::from_webhook(&body, 0).messages[0]
            .media
            .is_none());
        assert!(is_media_id("1234567890.jpg") && !is_media_id(".hidden"));
    }

    #[test]
    fn statuses_are_read_and_unknown_ones_skipped() {
        let body = webhook(json!({"statuses": [
            {"id": "wamid.1", "status": "read", "timestamp": "9"},
            {"id": "wamid.1", "status": "warped"}]}));
        let batch = InboundBatch::from_webhook(&body, 0);
        assert_eq!(batch.statuses[0].status, DeliveryStatus::Read);
        assert_eq!(batch.skipped.len(), 1);
    }
}
