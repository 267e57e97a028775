//! The JSON body of a request: size-limited, `application/json` only, parsed into a `Value` that
//! the domain then reads field by field. Every failure is a `413` or a `422`, never a 500.

use super::error::ApiError;
use crate::domain::fields::{body_loc, FieldIssue};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::{json, Value};

pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !is_json(content_type) {
            return Err(ApiError::one_issue(
                vec![json!("header"), json!("content-type")],
                "Content-Type should be application/json",
                "content_type",
            ));
        }
        let declared_too_large = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
            .is_some_and(|n| n > MAX_BODY_BYTES);
        if declared_too_large {
            return Err(ApiError::PayloadTooLarge);
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            let position = byte_offset(&bytes, e.line(), e.column());
            ApiError::Validation(vec![FieldIssue::new(
                vec![json!("body"), json!(position)],
                format!("JSON decode error: {e}"),
                "json_invalid",
            )])
        })
    }
}

/// `application/json`, with parameters, or any `application/…+json`.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn byte_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = bytes
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    line_start + column.saturating_sub(1)
}

/// The location of the body itself, for issues that concern it as a whole.
pub fn whole_body() -> Vec<Value> {
    body_loc(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised() {
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
        ] {
            assert!(is_json(ct), "{ct}");
        }
        for ct in [
            "",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ] {
            assert!(!is_json(ct), "{ct}");
        }
    }

    #[test]
    fn error_positions_count_bytes_from_the_start() {
        assert_eq!(byte_offset(b"{\n  x", 2, 3), 4);
        assert_eq!(byte_offset(b"{x", 1, 2), 1);
    }
}
