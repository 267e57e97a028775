//! A message an agent or an integration asks to send (`POST /api/v1/messages/`), checked and
//! turned into the Cloud API body 360Dialog takes.

use super::whatsapp::{is_media_id, search_text};
use super::{FieldErrors, WaId};
use serde_json::{json, Map, Value};

/// WhatsApp's customer-service window: free-form messages only this long after the customer's
/// last message.
pub const CUSTOMER_SERVICE_WINDOW_SECS: i64 = 24 * 60 * 60;
/// Longest text body WhatsApp accepts.
const MAX_TEXT_CHARS: usize = 4096;
const MEDIA_TYPES: &[&str] = &["image", "video", "audio", "document", "sticker"];
const OTHER_TYPES: &[&str] = &[
    "text",
    "template",
    "reaction",
    "interactive",
    "location",
    "contacts",
];

#[derive(Debug, Clone)]
pub struct Outgoing {
    pub wa_id: WaId,
    pub kind: String,
    /// The Cloud API body: `messaging_product`, `recipient_type`, `to`, `type`, the type's object
    /// and `context` when it answers a message.
    pub body: Value,
}

impl Outgoing {
    pub fn parse(request: &Value) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let wa_id = match request.get("wa_id").or_else(|| request.get("to")) {
            Some(Value::String(raw)) => WaId::parse(raw),
            Some(Value::Number(n)) => WaId::parse(&n.to_string()),
            _ => None,
        };
        if wa_id.is_none() {
            errors.add(
                "wa_id",
                "A WhatsApp number (digits with the country code) is required.",
            );
        }
        let typed = request
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("text");
        let known = MEDIA_TYPES.iter().chain(OTHER_TYPES).find(|k| **k == typed);
        let kind: &'static str = known.copied().unwrap_or("text");
        let object = request.get(kind);
        if known.is_none() {
            errors.add(
                "type",
                format!("\"{typed}\" is not a message type that can be sent."),
            );
        } else if let Err(problem) = check_object(kind, object) {
            errors.add(kind, problem);
        }
        let (Some(wa_id), Some(object), true) = (wa_id, object, errors.is_empty()) else {
            return Err(errors);
        };
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": wa_id.as_str(),
            "type": kind,
            kind: object,
        });
        if let Some(context) = request.get("context").filter(|c| c.is_object()) {
            body["context"] = context.clone();
        }
        Ok(Self {
            wa_id,
            kind: kind.to_owned(),
            body,
        })
    }

    /// Only templates may open a conversation outside WhatsApp's 24-hour window.
    pub fn is_template(&self) -> bool {
        self.kind == "template"
    }

    pub fn search_text(&self) -> String {
        search_text(&self.kind, &self.body)
    }

    /// The id of a file uploaded to this instance that the message sends, if any.
    pub fn local_media_id(&self) -> Option<&str> {
        media_id_of(&self.body)
    }
}

/// The media id a Cloud API body refers to (`{"image": {"id": …}}`), if it has one.
pub fn media_id_of(body: &Value) -> Option<&str> {
    let kind = body.get("type")?.as_str()?;
    MEDIA_TYPES.contains(&kind).then_some(())?;
    body.get(kind)?.get("id")?.as_str()
}

/// Removes what the instance adds to a stored payload (`id`, `timestamp`), giving back the body
/// for 360Dialog.
pub fn cloud_api_body(stored: &Value) -> Value {
    let mut body: Map<String, Value> = stored.as_object().cloned().unwrap_or_default();
    body.remove("id");
    body.remove("timestamp");
    Value::Object(body)
}

fn check_object(kind: &str, object: Option<&Value>) -> Result<(), String> {
    let object = object
        .and_then(Value::as_object)
        .ok_or_else(|| format!("An object \"{kind}\" is required for a {kind} message."))?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::trim);
    match kind {
        "text" => match text("body") {
            Some(body) if !body.is_empty() && body.chars().count() <= MAX_TEXT_CHARS => Ok(()),
            Some(body) if !body.is_empty() => Err(format!(
                "The text may have at most {MAX_TEXT_CHARS} characters."
            )),
            _ => Err("The text body may not be blank.".into()),
        },
        "template" => {
            let language = object
                .get("language")
                .and_then(|l| l.get("code"))
                .and_then(Value::as_str);
            match (text("name"), language) {
                (Some(name), Some(code)) if !name.is_empty() && !code.is_empty() => Ok(()),
                _ => Err("A template needs a \"name\" and a \"language\" with a \"code\".".into()),
            }
        }
        "reaction" => match (text("message_id"), object.get("emoji")) {
            (Some(id), Some(Value::String(_))) if !id.is_empty() => Ok(()),
            _ => Err("A reaction needs the \"message_id\" it reacts to and an \"emoji\".".into()),
        },
        "interactive" => match text("type") {
            Some(t) if !t.is_empty() => Ok(()),
            _ => Err("An interactive message needs its \"type\".".into()),
        },
        _ if MEDIA_TYPES.contains(&kind) => match (text("id"), text("link")) {
            (Some(id), _) if is_media_id(id) => Ok(()),
            (_, Some(link)) if link.starts_with("https://") || link.starts_with("http://") => {
                Ok(())
            }
            _ => Err("A media message needs the \"id\" of an uploaded file or a \"link\".".into()),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_becomes_the_cloud_api_body() {
        let out = Outgoing::parse(&json!({"wa_id": "+49 151 1234567", "type": "text",
            "text": {"body": "Hi"}}))
        .unwrap();
        assert_eq!(
            out.body,
            json!({"messaging_product": "whatsapp", "recipient_type": "individual",
                   "to": "491511234567", "type": "text", "text": {"body": "Hi"}})
        );
        assert!(!out.is_template());
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let errors = Outgoing::parse(&json!({"type": "text", "text": {"body": " "}})).unwrap_err();
        let shown = serde_json::to_value(&errors).unwrap();
        assert!(
            shown.get("wa_id").is_some() && shown.get("text").is_some(),
            "{shown}"
        );
        let errors = Outgoing::parse(&json!({"wa_id": "491511234567", "type": "fax"})).unwrap_err();
        assert!(serde_json::to_value(&errors).unwrap().get("type").is_some());
    }

    #[test]
    fn media_goes_by_uploaded_id_or_link_and_templates_need_a_language() {
        let image = Outgoing::parse(&json!({"wa_id": "491511234567", "type": "image",
            "image": {"id": "up_abc", "caption": "look"}}))
        .unwrap();
        assert_eq!(image.local_media_id(), Some("up_abc"));
        assert_eq!(image.search_text(), "look");
        assert!(
            Outgoing::parse(&json!({"wa_id": "491511234567", "type": "template",
            "template": {"name": "hello_world"}}))
            .is_err()
        );
        let template = Outgoing::parse(&json!({"wa_id": "491511234567", "type": "template",
            "template": {"name": "hello_world", "language": {"code": "en_US"}}}))
        .unwrap();
        assert!(template.is_template());
    }
}
