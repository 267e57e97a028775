//! One message of a conversation: the customer's on the left, ours on the right with who sent
//! it and how far it got. Everything in a payload may come from a stranger: it is only ever
//! written through maud's escaping, and only http(s) links become links.

use super::summary::{clip, summary, text_at};
use super::when;
use crate::domain::whatsapp::is_media_id;
use crate::store::MessageRecord;
use maud::{html, Markup};
use serde_json::Value;

/// How far one of our messages got.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// In the outbox: 360Dialog has not taken it yet.
    Queued,
    Sent,
    Delivered,
    Read,
    Failed(String),
}

impl Delivery {
    pub fn of(message: &MessageRecord) -> Self {
        if message.failed_at.is_some() {
            Self::Failed(failure_reason(message.errors.as_ref()))
        } else if message.read_at.is_some() {
            Self::Read
        } else if message.delivered_at.is_some() {
            Self::Delivered
        } else if message.sent_at.is_some() || message.wamid.is_some() {
            Self::Sent
        } else {
            Self::Queued
        }
    }

    pub fn mark(&self) -> Markup {
        let (class, label, shown) = match self {
            Self::Queued => ("queued", "Queued: 360Dialog has not taken it yet", "Queued"),
            Self::Sent => ("sent", "Sent", "✓"),
            Self::Delivered => ("delivered", "Delivered", "✓✓"),
            Self::Read => ("read", "Read", "✓✓"),
            Self::Failed(_) => ("failed", "Not sent", "⚠ Not sent"),
        };
        html! { span class={ "status " (class) } title=(label) aria-label=(label) { (shown) } }
    }
}

/// WhatsApp's own error details when it gave them, else what this instance wrote down.
pub fn failure_reason(errors: Option<&Value>) -> String {
    let first = errors.and_then(|e| e.get(0));
    let said = ["/error_data/details", "/details", "/message", "/title"]
        .iter()
        .find_map(|p| first.and_then(|e| text_at(e, p)));
    let code = first.and_then(|e| e.get("code")).and_then(Value::as_i64);
    match (said, code) {
        (Some(said), Some(code)) => format!("{} (code {code})", clip(said, 300)),
        (Some(said), None) => clip(said, 300),
        _ => "The message was not sent.".into(),
    }
}

pub fn bubble(message: &MessageRecord) -> Markup {
    let side = if message.from_us { "ours" } else { "theirs" };
    let delivery = message.from_us.then(|| Delivery::of(message));
    html! {
        div class={ "bubble " (side) } id={ "m" (message.id) } {
            @if let Some(sender) = message.sender.as_ref().filter(|_| message.from_us) {
                span.sender { (sender.username.as_str()) }
            }
            (content(&message.kind, &message.waba_payload))
            span.meta {
                (when::tag(message.timestamp, &when::clock_time(message.timestamp)))
                @if let Some(delivery) = &delivery { " " (delivery.mark()) }
            }
            @if let Some(Delivery::Failed(reason)) = &delivery {
                p.failure role="note" { (reason) }
            }
        }
    }
}

fn content(kind: &str, payload: &Value) -> Markup {
    let caption = text_at(payload, &format!("/{kind}/caption"));
    match kind {
        "text" => html! { p.text { (text_at(payload, "/text/body").unwrap_or_default()) } },
        "image" | "sticker" | "video" | "audio" | "document" => html! {
            (media(kind, payload))
            @if let Some(caption) = caption { p.text.caption { (caption) } }
        },
        "template" => html! {
            p.note { "Template: " strong { (text_at(payload, "/template/name").unwrap_or("?")) } }
        },
        "unsupported" => {
            let original = text_at(payload, "/original_type").unwrap_or("unknown");
            html! {
                p.note {
                    "A message of a kind this inbox cannot show (" (clip(original, 40)) "). "
                    "It is on the customer's phone; ask them to send it another way if you need it."
                }
            }
        }
        "location" => location(payload),
        _ => html! { p.text { (summary(kind, payload)) } },
    }
}

/// A photo or sticker is shown; other files are a link to download. A file kept here is served
/// by `/inbox/media/{id}`; one we sent by link is linked to.
fn media(kind: &str, payload: &Value) -> Markup {
    let label = summary(kind, &Value::Null);
    let id = text_at(payload, &format!("/{kind}/id")).filter(|id| is_media_id(id));
    let link = text_at(payload, &format!("/{kind}/link"))
        .filter(|l| l.starts_with("https://") || l.starts_with("http://"));
    let file_name = text_at(payload, &format!("/{kind}/filename")).unwrap_or_default();
    match (id, link) {
        (Some(id), _) if matches!(kind, "image" | "sticker") => html! {
            a.picture href={ "/inbox/media/" (id) } target="_blank" rel="noopener" {
                img class=(kind) src={ "/inbox/media/" (id) } alt=(label) loading="lazy";
            }
        },
        (Some(id), _) => html! {
            a.file href={ "/inbox/media/" (id) } download=(file_name) {
                (label) @if !file_name.is_empty() { " · " (clip(file_name, 80)) } " ⬇"
            }
        },
        (None, Some(link)) => html! {
            a.file href=(link) target="_blank" rel="noopener noreferrer" { (label) " (link)" }
        },
        (None, None) => html! { p.note { (label) " (the file is not available)" } },
    }
}

fn location(payload: &Value) -> Markup {
    let coordinate = |key: &str| payload.pointer(&format!("/location/{key}"))?.as_f64();
    let place = [
        text_at(payload, "/location/name"),
        text_at(payload, "/location/address"),
    ];
    html! {
        p.text {
            "📍 "
            @for part in place.iter().flatten() { (part) " " }
            @if let (Some(lat), Some(lon)) = (coordinate("latitude"), coordinate("longitude")) {
                a href=(format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=16/{lat}/{lon}"))
                    target="_blank" rel="noopener noreferrer" { "Open the map" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failure_says_whatsapps_details_and_code() {
        let cloud = json!([{"code": 131047, "title": "Re-engagement message",
            "error_data": {"details": "More than 24 hours have passed."}}]);
        assert_eq!(
            failure_reason(Some(&cloud)),
            "More than 24 hours have passed. (code 131047)"
        );
        assert_eq!(failure_reason(None), "The message was not sent.");
    }

    #[test]
    fn customer_text_is_escaped_and_links_are_only_http() {
        let shown = content("text", &json!({"text": {"body": "<script>x</script>"}}));
        assert!(shown.into_string().contains("&lt;script&gt;"));
        let sneaky = json!({"document": {"link": "javascript:alert(1)"}});
        assert!(!media("document", &sneaky)
            .into_string()
            .contains("javascript"));
        let photo = media("image", &json!({"image": {"id": "wa-123"}})).into_string();
        assert!(photo.contains(r#"src="/inbox/media/wa-123""#), "{photo}");
    }
}
