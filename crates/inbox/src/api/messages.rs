//! Messaging endpoints: not wired to WhatsApp yet, but already closed to the configurator, which
//! the documentation forbids to use them.

use super::error::ApiError;
use super::extract::Caller;
use super::pagination::Page;
use crate::domain::Role;
use axum::http::{Method, Uri};
use axum::Json;
use serde_json::Value;

pub async fn any_method(
    Caller(user): Caller,
    method: Method,
    uri: Uri,
) -> Result<Json<Page<Value>>, ApiError> {
    if user.role == Role::Configurator {
        return Err(ApiError::Forbidden(
            "The configurator user cannot use messaging endpoints.",
        ));
    }
    if method == Method::GET && uri.path() == "/api/v1/messages/" {
        return Ok(Json(Page {
            count: 0,
            next: None,
            previous: None,
            results: vec![],
        }));
    }
    Err(ApiError::NotFound)
}
