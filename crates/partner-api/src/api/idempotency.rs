//! `Idempotency-Key` (extension): a retried create, update or delete returns the first answer
//! instead of acting twice.

use super::error::ApiError;
use super::AppState;
use crate::crypto::sha256_hex;
use crate::domain::PartnerId;
use crate::store::idempotency::{self, Claim};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use std::future::Future;

pub const HEADER: &str = "idempotency-key";

/// The key of a request, if it has one: 1 to 255 visible ASCII characters.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()));
    key.map(|k| Some(k.to_owned())).ok_or_else(|| {
        ApiError::one_issue(
            vec![json!("header"), json!("idempotency-key")],
            "Idempotency-Key should be 1 to 255 visible ASCII characters",
            "value_error",
        )
    })
}

/// Runs `op` once per key: a retry with the same request replays the first successful answer;
/// the same key with another request is a 422; while the first runs, a 409. Failed attempts are
/// not kept, so a retry after an error really runs again.
pub async fn once<T, Fut>(
    state: &AppState,
    partner: &PartnerId,
    key: Option<String>,
    request: &str,
    body: &Value,
    op: Fut,
) -> Result<Response, ApiError>
where
    T: Serialize,
    Fut: Future<Output = Result<(StatusCode, T), ApiError>>,
{
    let Some(key) = key else {
        return op
            .await
            .map(|(status, answer)| (status, Json(answer)).into_response());
    };
    let fingerprint = sha256_hex(format!("{request}\n{body}"));
    match idempotency::claim(&state.db, partner, &key, &fingerprint).await? {
        Claim::Proceed => {}
        Claim::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = json_text(status, body);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return Ok(response);
        }
        Claim::InProgress => {
            return Err(ApiError::Conflict(
                "A request with this Idempotency-Key is still in progress; retry later".into(),
            ))
        }
        Claim::OtherRequest => {
            return Err(ApiError::one_issue(
                vec![json!("header"), json!("idempotency-key")],
                "This Idempotency-Key was already used with a different request",
                "value_error",
            ))
        }
    }
    match op.await {
        Ok((status, answer)) => {
            // Kept as the text sent, fields in the order of the answer's type.
            let text = serde_json::to_string(&answer).map_err(anyhow::Error::from)?;
            idempotency::complete(&state.db, partner, &key, status.as_u16(), &text).await?;
            Ok(json_text(status, text))
        }
        Err(e) => {
            idempotency::release(&state.db, partner, &key).await?;
            Err(e)
        }
    }
}

fn json_text(status: StatusCode, text: String) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response()
}
