//! What a message says in one line: the chat list's preview, and the whole bubble of the kinds
//! that have nothing more to show. The payload is the Cloud API message object (a customer's) or
//! body (ours); both keep the type's object under the type's name.

use serde_json::Value;

/// Longest preview, in characters; the list cuts it further to its width.
const PREVIEW_CHARS: usize = 120;

/// A non-blank string at `pointer`.
pub fn text_at<'a>(payload: &'a Value, pointer: &str) -> Option<&'a str> {
    payload
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The message in one line, for the chat list.
pub fn preview(kind: &str, payload: &Value) -> String {
    clip(&summary(kind, payload), PREVIEW_CHARS)
}

/// The message in words: the text, a caption with the kind's icon, or what kind it is.
pub fn summary(kind: &str, payload: &Value) -> String {
    let text = |pointer: &str| text_at(payload, pointer);
    let labelled =
        |icon: &str, kind: &str, detail: Option<&str>| format!("{icon} {}", detail.unwrap_or(kind));
    match kind {
        "text" => text("/text/body").unwrap_or_default().to_owned(),
        "image" => labelled("📷", "Photo", text("/image/caption")),
        "video" => labelled("🎥", "Video", text("/video/caption")),
        "audio" => "🎤 Audio".into(),
        "document" => labelled(
            "📄",
            "Document",
            text("/document/caption").or(text("/document/filename")),
        ),
        "sticker" => "Sticker".into(),
        "location" => labelled(
            "📍",
            "Location",
            text("/location/name").or(text("/location/address")),
        ),
        "contacts" => labelled("👤", "Contact", contact_names(payload).as_deref()),
        "interactive" => text("/interactive/button_reply/title")
            .or(text("/interactive/list_reply/title"))
            .or(text("/interactive/body/text"))
            .unwrap_or("Interactive message")
            .to_owned(),
        "button" => text("/button/text").unwrap_or("Button").to_owned(),
        "reaction" => match text("/reaction/emoji") {
            Some(emoji) => format!("Reacted {emoji}"),
            None => "Removed a reaction".into(),
        },
        "order" => "🛒 Order".into(),
        "system" => text("/system/body").unwrap_or("System message").to_owned(),
        "request_welcome" => "Opened the chat".into(),
        "template" => format!("Template: {}", text("/template/name").unwrap_or("?")),
        "unsupported" => "Unsupported message".into(),
        _ => "Message".into(),
    }
}

fn contact_names(payload: &Value) -> Option<String> {
    let names: Vec<&str> = payload
        .get("contacts")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|c| text_at(c, "/name/formatted_name"))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// At most `max` characters, with `…` where it was cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_shows_its_caption_or_its_kind() {
        let photo = json!({"type": "image", "image": {"id": "1", "caption": "my cat"}});
        assert_eq!(preview("image", &photo), "📷 my cat");
        assert_eq!(preview("image", &json!({"image": {"id": "1"}})), "📷 Photo");
        let file = json!({"document": {"filename": "invoice.pdf"}});
        assert_eq!(preview("document", &file), "📄 invoice.pdf");
    }

    #[test]
    fn templates_reactions_and_unknown_kinds_are_named() {
        let template = json!({"template": {"name": "hello_world"}});
        assert_eq!(preview("template", &template), "Template: hello_world");
        assert_eq!(
            preview("reaction", &json!({"reaction": {"emoji": "👍"}})),
            "Reacted 👍"
        );
        assert_eq!(preview("unsupported", &json!({})), "Unsupported message");
    }

    #[test]
    fn long_texts_are_clipped_on_a_character_boundary() {
        assert_eq!(clip("ñandú", 3), "ñan…");
        assert_eq!(clip("short", 10), "short");
        let long = json!({"text": {"body": "x".repeat(500)}});
        assert_eq!(preview("text", &long).chars().count(), PREVIEW_CHARS + 1);
    }
}
