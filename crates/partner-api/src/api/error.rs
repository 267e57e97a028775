//! The one place where failures become HTTP answers, in the shapes of the documented
//! (FastAPI) service. Internal errors are logged with their cause chain and answer a bare 500.

use crate::domain::FieldIssue;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not authenticated")]
    Unauthenticated,
    #[error("instance not found")]
    InstanceNotFound,
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("invalid input")]
    Validation(Vec<FieldIssue>),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// One thing (an event, an instance's activation e-mail) was asked for too often.
    #[error("{detail}")]
    TooSoon {
        detail: String,
        retry_after_secs: u64,
    },
    #[error("conflict: {0}")]
    Conflict(String),
    /// The running instance did not answer a synchronous call; nothing changed.
    #[error("instance unavailable")]
    InstanceUnavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The body of every error but invalid input.
#[derive(Serialize, ToSchema)]
pub struct Detail {
    #[schema(example = "Instance not found")]
    pub detail: String,
}

impl Detail {
    fn of(detail: impl Into<String>) -> Json<Self> {
        Json(Self {
            detail: detail.into(),
        })
    }
}

/// The body of a `422`: every problem found, each at its location.
#[derive(Serialize, ToSchema)]
pub struct ValidationErrors {
    pub detail: Vec<FieldIssue>,
}

impl ApiError {
    pub fn one_issue(loc: Vec<serde_json::Value>, msg: impl Into<String>, kind: &str) -> Self {
        Self::Validation(vec![FieldIssue::new(loc, msg, kind)])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthenticated => {
                let mut response =
                    (StatusCode::UNAUTHORIZED, Detail::of("Not authenticated")).into_response();
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            Self::InstanceNotFound => {
                (StatusCode::NOT_FOUND, Detail::of("Instance not found")).into_response()
            }
            Self::NotFound(what) => (StatusCode::NOT_FOUND, Detail::of(what)).into_response(),
            Self::Validation(issues) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(ValidationErrors { detail: issues }),
            )
                .into_response(),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Detail::of("Request body too large: the limit is 64 KiB"),
            )
                .into_response(),
            Self::RateLimited { retry_after_secs } => retry_later(
                "Too many requests for this API key; retry later",
                retry_after_secs,
            ),
            Self::TooSoon {
                detail,
                retry_after_secs,
            } => retry_later(detail, retry_after_secs),
            Self::Conflict(detail) => (StatusCode::CONFLICT, Detail::of(detail)).into_response(),
            Self::InstanceUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                Detail::of("The instance did not answer; nothing changed. Try again in a moment"),
            )
                .into_response(),
            Self::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Detail::of("Internal Server Error"),
                )
                    .into_response()
            }
        }
    }
}

/// A `429` with `Retry-After`.
fn retry_later(detail: impl Into<String>, retry_after_secs: u64) -> Response {
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Detail::of(detail)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

/// The answer for a path no route serves.
pub async fn route_not_found() -> Response {
    (StatusCode::NOT_FOUND, Detail::of("Not Found")).into_response()
}

/// The answer for a known path with a method it does not serve.
pub async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Detail::of("Method Not Allowed"),
    )
        .into_response()
}
