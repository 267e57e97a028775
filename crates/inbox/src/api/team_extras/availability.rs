//! `PATCH users/{id}/availability` `{"is_available": bool}`: whether a person takes new
//! conversations. People set their own; admins and the configurator set anyone's. Every change
//! reaches the connected clients as `{"user_availability": …}`.

use super::fields::required_bool;
use crate::api::extract::{ApiJson, Caller};
use crate::api::{views, ApiError};
use crate::clock;
use crate::domain::UserId;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

const ONLY_YOUR_OWN: &str = "You may change only your own availability.";

pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let id = UserId(id.parse().map_err(|_| ApiError::NotFound)?);
    if id != caller.id && !caller.role.manages_users() {
        return Err(ApiError::Forbidden(ONLY_YOUR_OWN));
    }
    let is_available = required_bool(&body, "is_available")?;
    if !state.store.set_availability(id, is_available).await? {
        return Err(ApiError::NotFound);
    }
    let user = state.store.user(id).await?.ok_or(ApiError::NotFound)?;
    state.push.getchat_webhook(json!({"user_availability": {
        "user": views::user(&user),
        "is_available": user.is_available,
        "done_by": caller.id.0,
        "timestamp": clock::now(),
    }}));
    Ok(Json(
        json!({"id": user.id.0, "is_available": user.is_available}),
    ))
}

/// `GET settings/useravailability/`: get.chat's front-end shows the availability switch when
/// the feature is on; here it always is.
pub async fn feature(_caller: Caller) -> Json<Value> {
    Json(json!({"feature_set_enabled": true}))
}
