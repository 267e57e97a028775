//! `Idempotency-Key` (extension): a retried create, update or delete returns the first answer
//! instead of acting twice.

use super::error::ApiError;
use super::AppState;
use crate::crypto::sha256_hex;
use crate::domain::PartnerId;
use crate::store::idempotency::{self, Claim, Claimed, Record};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};
use std::future::Future;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Required;
use utoipa::IntoParams;

pub const HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 255;

/// The `Idempotency-Key` of a request: 1 to 255 visible ASCII characters.
pub struct IdempotencyKey(String);

impl IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let key = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_KEY_LEN))
            .pattern(Some("^[!-~]+$"));
        vec![ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "extension: a retry with the same key and request returns the first answer \
                 instead of acting twice (`Idempotent-Replayed: true`); the same key with another \
                 request is a 422, and while the first runs a 409",
            ))
            .schema(Some(key))
            .build()]
    }
}

/// The key of a request, if it has one.
pub fn key_of(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value.to_str().ok().filter(|k| {
        !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic())
    });
    key.map(|k| Some(IdempotencyKey(k.to_owned())))
        .ok_or_else(|| {
            ApiError::one_issue(
                vec![json!("header"), json!("idempotency-key")],
                "Idempotency-Key should be 1 to 255 visible ASCII characters",
                "value_error",
            )
        })
}

/// Runs `op` once per key: a retry with the same request replays the first successful answer;
/// the same key with another request is a 422; while the first runs, a 409. Failed attempts are
/// not kept, so a retry after an error really runs again. The answer is kept after `op`, so a
/// crash in between runs `op` again on the retry: for work that must not run twice, see
/// [`once_recorded`].
pub async fn once<T, Fut>(
    state: &AppState,
    partner: &PartnerId,
    key: Option<IdempotencyKey>,
    request: &str,
    body: &Value,
    op: Fut,
) -> Result<Response, ApiError>
where
    T: Serialize,
    Fut: Future<Output = Result<(StatusCode, T), ApiError>>,
{
    once_recorded(state, partner, key, request, body, |claimed| async move {
        let (status, answer) = op.await?;
        // Kept as the text sent, fields in the order of the answer's type.
        let text = serde_json::to_string(&answer).map_err(anyhow::Error::from)?;
        if let Some(claimed) = claimed {
            let record = Record {
                claimed: &claimed,
                status: status.as_u16(),
                body: &text,
            };
            match idempotency::complete(&state.db, &record).await {
                Err(e) if e.is::<idempotency::TakenOver>() => {
                    tracing::warn!(
                        request,
                        "the answer's Idempotency-Key was taken over meanwhile"
                    )
                }
                kept => kept?,
            }
        }
        Ok((status, text))
    })
    .await
}

/// As [`once`], for work that keeps its answer itself: `op` gets the claimed key and must write
/// its record ([`idempotency::complete_in`]) in the transaction that does the work, so the work
/// and its record commit together and a retry after any crash either replays or runs anew.
/// `op` answers with the JSON text sent and kept.
pub async fn once_recorded<F, Fut>(
    state: &AppState,
    partner: &PartnerId,
    key: Option<IdempotencyKey>,
    request: &str,
    body: &Value,
    op: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(Option<Claimed>) -> Fut,
    Fut: Future<Output = Result<(StatusCode, String), ApiError>>,
{
    let Some(IdempotencyKey(key)) = key else {
        return op(None).await.map(|(status, text)| json_text(status, text));
    };
    let fingerprint = sha256_hex(format!("{request}\n{body}"));
    let claimed = match idempotency::claim(&state.db, partner, &key, &fingerprint).await? {
        Claim::Proceed(claimed) => claimed,
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
    };
    match op(Some(claimed.clone())).await {
        Ok((status, text)) => Ok(json_text(status, text)),
        Err(e) => {
            idempotency::release(&state.db, &claimed).await?;
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
