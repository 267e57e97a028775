//! How the emulator says no: the messaging API in 360Dialog's and the Cloud API's shapes, the hub
//! and the simulator with `{"detail"}` like the rest of this service.

use crate::api::error::ApiError;
use crate::crypto::random_alphanumeric;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A missing, unknown or revoked `D360-API-KEY`: 401, as 360Dialog answers it.
    #[error("invalid api key")]
    InvalidKey,
    /// A Cloud API error of code 100 (an invalid parameter) with its HTTP status.
    #[error("{1}")]
    Invalid(StatusCode, String),
    /// A simulated outage of the channel: 503.
    #[error("outage")]
    Outage,
    /// `{"detail"}` with a status.
    #[error("{1}")]
    Detail(StatusCode, String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Refusal {
    pub fn invalid(details: impl Into<String>) -> Self {
        Self::Invalid(StatusCode::BAD_REQUEST, details.into())
    }

    pub fn detail(status: StatusCode, detail: impl Into<String>) -> Self {
        Self::Detail(status, detail.into())
    }
}

/// 360Dialog's own envelope, used for answers that do not come from the Cloud API.
fn meta(status: StatusCode, message: &str) -> Response {
    let body = json!({"meta": {"success": false, "http_code": status.as_u16(), "developer_message": message}});
    (status, Json(body)).into_response()
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::InvalidKey => meta(StatusCode::UNAUTHORIZED, "Invalid api key"),
            Self::Outage => meta(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service temporarily unavailable (a simulated outage of this sandbox channel)",
            ),
            Self::Invalid(status, details) => {
                let body = json!({"error": {
                    "message": "(#100) Invalid parameter",
                    "type": "OAuthException",
                    "code": 100,
                    "error_data": {"messaging_product": "whatsapp", "details": details},
                    "fbtrace_id": random_alphanumeric(23),
                }});
                (status, Json(body)).into_response()
            }
            Self::Detail(status, detail) => {
                (status, Json(json!({"detail": detail}))).into_response()
            }
            Self::Internal(e) => ApiError::Internal(e).into_response(),
        }
    }
}
