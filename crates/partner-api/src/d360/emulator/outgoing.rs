//! A Cloud API message body as `POST /messages` receives it, checked as far as the sandbox needs.

use serde_json::Value;

const TYPES: &[&str] = &[
    "text",
    "template",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "reaction",
    "interactive",
    "location",
    "contacts",
];
const MEDIA_TYPES: &[&str] = &["image", "video", "audio", "document", "sticker"];

#[derive(Debug, PartialEq, Eq)]
pub struct Outgoing<'a> {
    /// As given, for the answer's `contacts[].input`.
    pub to: &'a str,
    pub wa_id: &'a str,
    pub kind: &'a str,
    /// The uploaded media the message sends, when it names one by id.
    pub media_id: Option<&'a str>,
}

impl Outgoing<'_> {
    /// Only templates may open a conversation outside the customer's 24-hour window.
    pub fn needs_window(&self) -> bool {
        self.kind != "template"
    }
}

/// A WhatsApp id: the number's digits, `+` allowed in front.
pub fn wa_id(raw: &str) -> Option<&str> {
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    ((1..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// The message, or the Cloud API's details of what is wrong with it.
pub fn parse(body: &Value) -> Result<Outgoing<'_>, String> {
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    if field("messaging_product") != Some("whatsapp") {
        return Err("The parameter messaging_product is required and must be \"whatsapp\".".into());
    }
    if field("recipient_type").is_some_and(|r| r != "individual") {
        return Err("Param recipient_type must be one of {INDIVIDUAL}.".into());
    }
    let to = field("to").ok_or("The parameter to is required.")?;
    let wa_id = wa_id(to).ok_or("Param to must be a phone number of digits.")?;
    let kind = field("type").unwrap_or("text");
    if !TYPES.contains(&kind) {
        return Err(format!(
            "Param type must be one of {{{}}}.",
            TYPES.join(", ")
        ));
    }
    let object = body
        .get(kind)
        .filter(|o| o.is_object())
        .ok_or_else(|| format!("The parameter {kind} is required."))?;
    let media_id = if MEDIA_TYPES.contains(&kind) {
        let id = object.get("id").and_then(Value::as_str);
        if id.is_none() && object.get("link").and_then(Value::as_str).is_none() {
            return Err(format!("Param {kind} must have an id or a link."));
        }
        id
    } else {
        None
    };
    Ok(Outgoing {
        to,
        wa_id,
        kind,
        media_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_text_and_a_media_message_are_understood() {
        let text = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+4915100", "type": "text", "text": {"body": "hi"}});
        assert_eq!(
            parse(&text),
            Ok(Outgoing {
                to: "+4915100",
                wa_id: "4915100",
                kind: "text",
                media_id: None
            })
        );
        let image = json!({"messaging_product": "whatsapp", "to": "49", "type": "image", "image": {"id": "123"}});
        assert_eq!(parse(&image).unwrap().media_id, Some("123"));
        let template = json!({"messaging_product": "whatsapp", "to": "49", "type": "template", "template": {"name": "hello_world"}});
        assert!(!parse(&template).unwrap().needs_window());
    }

    #[test]
    fn what_the_cloud_api_refuses_is_refused() {
        for body in [
            json!({"to": "49", "type": "text", "text": {"body": "x"}}),
            json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}),
            json!({"messaging_product": "whatsapp", "to": "49 151", "type": "text", "text": {"body": "x"}}),
            json!({"messaging_product": "whatsapp", "to": "49", "type": "fax", "fax": {}}),
            json!({"messaging_product": "whatsapp", "to": "49", "type": "text"}),
            json!({"messaging_product": "whatsapp", "to": "49", "type": "image", "image": {"caption": "x"}}),
            json!({"messaging_product": "whatsapp", "recipient_type": "group", "to": "49", "text": {"body": "x"}}),
        ] {
            assert!(parse(&body).is_err(), "{body}");
        }
    }
}
