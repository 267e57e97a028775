//! The one place where API failures become HTTP answers, in the shapes of Django REST framework:
//! `{"detail": "…"}`, field errors `{"field": ["…"]}`, bad credentials `{"non_field_errors": […]}`.
//! Internal errors are logged with their cause chain and answer a bare 500.

use crate::accounts::AccountError;
use crate::domain::FieldErrors;
use crate::messaging::send::SendError;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Authentication credentials were not provided.")]
    NotAuthenticated,
    #[error("Invalid token.")]
    InvalidToken,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("Not found.")]
    NotFound,
    /// The request contradicts the instance's state; nothing changed.
    #[error("{0}")]
    Conflict(&'static str),
    #[error("invalid fields")]
    Invalid(FieldErrors),
    #[error("{0}")]
    MalformedBody(String),
    #[error("{0}")]
    TooLarge(String),
    /// 360Dialog did not give what was asked for.
    #[error("{0}")]
    Upstream(&'static str),
    /// 360Dialog was unreachable or said no, with what to tell the person; nothing changed.
    #[error("{detail}")]
    UpstreamFailed { status: StatusCode, detail: String },
    /// WhatsApp's customer-service window is closed: only a template may be sent.
    #[error("{}", SendError::OutsideWindow)]
    OutsideWindow,
    /// The message is stored, and failed: 360Dialog refused it or the instance's key.
    #[error("{reason}")]
    NotSent {
        status: StatusCode,
        id: i64,
        reason: String,
    },
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub const NOT_ALLOWED: &str = "You do not have permission to perform this action.";
pub const NOT_FOR_CONFIGURATOR: &str = "The configurator user cannot use messaging endpoints.";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::NotAuthenticated | Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MalformedBody(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Upstream(_) => StatusCode::BAD_GATEWAY,
            Self::UpstreamFailed { status, .. } => *status,
            Self::OutsideWindow => return with_reason(self.to_string(), outside_window(), None),
            Self::NotSent { status, id, reason } => {
                return with_reason(reason.clone(), *status, Some(*id))
            }
            Self::Invalid(errors) => {
                return (StatusCode::BAD_REQUEST, Json(errors)).into_response()
            }
            Self::Account(e) => return account_error(e),
            Self::Internal(e) => return internal(e),
        };
        let mut response = (status, Json(json!({ "detail": self.to_string() }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // As DRF's TokenAuthentication: tells the client which scheme to use.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        }
        response
    }
}

/// WhatsApp's own status for a message outside the customer-service window.
fn outside_window() -> StatusCode {
    StatusCode::from_u16(453).unwrap_or(StatusCode::BAD_REQUEST)
}

/// get.chat's front-end shows `reason` to the agent.
fn with_reason(reason: String, status: StatusCode, id: Option<i64>) -> Response {
    let mut body = json!({"detail": reason, "reason": reason});
    if let Some(id) = id {
        body["id"] = json!(id);
    }
    (status, Json(body)).into_response()
}

fn account_error(e: &AccountError) -> Response {
    let message = e.to_string();
    let mut response = match e {
        AccountError::Internal(e) => return internal(e),
        AccountError::Invalid(errors) => Json(json!(errors)),
        AccountError::BadCredentials | AccountError::ConfiguratorCannotSignIn => {
            Json(json!({ "non_field_errors": [message] }))
        }
        _ => Json(json!({ "detail": message })),
    }
    .into_response();
    *response.status_mut() = e.http_status();
    if let AccountError::TooManyAttempts { retry_after } = e {
        let seconds = HeaderValue::from(retry_after.as_secs().max(1));
        response.headers_mut().insert(header::RETRY_AFTER, seconds);
    }
    response
}

fn internal(e: &anyhow::Error) -> Response {
    tracing::error!(error = format!("{e:#}"), "internal error");
    let body = json!({ "detail": "A server error occurred." });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

pub const TOO_LARGE: &str = "The request body is too large.";

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::TooLarge(TOO_LARGE.into());
        }
        Self::MalformedBody(format!("JSON parse error - {}", rejection.body_text()))
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::TooLarge(TOO_LARGE.into());
        }
        Self::MalformedBody(rejection.body_text())
    }
}

impl From<SendError> for ApiError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::OutsideWindow => Self::OutsideWindow,
            SendError::Internal(e) => Self::Internal(e),
        }
    }
}

/// The answer for an API path no route serves.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
