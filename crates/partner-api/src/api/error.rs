//! The one place where failures become HTTP answers, in the shapes of the documented
//! (FastAPI) service. Internal errors are logged with their cause chain and answer a bare 500.

use crate::domain::FieldIssue;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

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
    #[error("service unavailable")]
    Unavailable,
    /// The running instance did not answer a synchronous call; nothing changed.
    #[error("instance unavailable")]
    InstanceUnavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn one_issue(loc: Vec<serde_json::Value>, msg: impl Into<String>, kind: &str) -> Self {
        Self::Validation(vec![FieldIssue::new(loc, msg, kind)])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            Self::Unauthenticated => {
                let mut response = (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"detail": "Not authenticated"})),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return response;
            }
            Self::InstanceNotFound => (
                StatusCode::NOT_FOUND,
                json!({"detail": "Instance not found"}),
            ),
            Self::NotFound(what) => (StatusCode::NOT_FOUND, json!({"detail": what})),
            Self::Validation(issues) => {
                (StatusCode::UNPROCESSABLE_ENTITY, json!({"detail": issues}))
            }
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"detail": "Request body too large: the limit is 64 KiB"}),
            ),
            Self::RateLimited { retry_after_secs } => {
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(json!({"detail": "Too many requests for this API key; retry later"})),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
                return response;
            }
            Self::TooSoon {
                detail,
                retry_after_secs,
            } => {
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(json!({"detail": detail})),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
                return response;
            }
            Self::Conflict(detail) => (StatusCode::CONFLICT, json!({"detail": detail})),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"detail": "Service Unavailable"}),
            ),
            Self::InstanceUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"detail": "The instance did not answer; nothing changed. Try again in a moment"}),
            ),
            Self::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"detail": "Internal Server Error"}),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

/// The answer for a path no route serves.
pub async fn route_not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"detail": "Not Found"}))).into_response()
}

/// The answer for a known path with a method it does not serve.
pub async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({"detail": "Method Not Allowed"})),
    )
        .into_response()
}
