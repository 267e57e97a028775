//! The inbox's stylesheet and script, each at a path that names its content's hash: browsers
//! keep them for a year and fetch the new one the moment it changes.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const STYLESHEET: &str = include_str!("inbox.css");
const SCRIPT: &str = include_str!("inbox.js");
const FOREVER: &str = "public, max-age=31536000, immutable";

pub fn stylesheet_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| versioned("/assets/inbox.css", STYLESHEET))
}

pub fn script_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| versioned("/assets/inbox.js", SCRIPT))
}

fn versioned(path: &str, content: &str) -> String {
    let digest = hex::encode(Sha256::digest(content.as_bytes()));
    format!("{path}?v={}", &digest[..12])
}

/// `GET /assets/{name}`: the query is not checked, so an old page still gets a stylesheet.
pub async fn file(Path(name): Path<String>) -> Response {
    let (content_type, body) = match name.as_str() {
        "inbox.css" => ("text/css; charset=utf-8", STYLESHEET),
        "inbox.js" => ("text/javascript; charset=utf-8", SCRIPT),
        _ => return super::error::WebError::NotFound.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, FOREVER),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}
