//! The message templates every sandbox number has, all approved.

use crate::crypto::sha256_hex;
use serde_json::{json, Value};

/// The channel's templates in the answer shape of `GET /v1/configs/templates`.
pub fn list(channel_id: &str) -> Value {
    let namespace = sha256_hex(format!("namespace:{channel_id}"))[..32].to_owned();
    let template = |id: &str, name: &str, language: &str, category: &str, components: Value| {
        json!({
            "id": id,
            "name": name,
            "language": language,
            "category": category,
            "components": components,
            "namespace": namespace,
            "status": "approved",
            "rejected_reason": "NONE",
        })
    };
    let templates = vec![
        template(
            "sandbox_hello_world",
            "hello_world",
            "en_US",
            "UTILITY",
            json!([
                {"type": "HEADER", "format": "TEXT", "text": "Sandbox"},
                {"type": "BODY", "text": "Hello World"},
                {"type": "FOOTER", "text": "WhatsApp sandbox sample message"},
            ]),
        ),
        template(
            "sandbox_order_update",
            "order_update",
            "en",
            "UTILITY",
            json!([
                {"type": "BODY", "text": "Hello {{1}}, your order is on its way.", "example": {"body_text": [["Alex"]]}},
            ]),
        ),
    ];
    json!({
        "count": templates.len(),
        "filters": {},
        "limit": 1000,
        "offset": 0,
        "sort": ["id"],
        "total": templates.len(),
        "waba_templates": templates,
    })
}
