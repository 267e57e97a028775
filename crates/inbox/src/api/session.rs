//! The front-end's token check and sign-out.

use super::error::ApiError;
use super::extract::{token_in, Caller};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

/// `GET /api/v1/`: answers for a valid token (get.chat's front-end checks its token this way),
/// with the API's main lists, as Django REST framework's API root does.
pub async fn root(State(state): State<AppState>, _caller: Caller) -> Json<Value> {
    let base = format!("{}/api/v1", state.identity.public_origin);
    Json(json!({
        "users": format!("{base}/users/"),
        "chats": format!("{base}/chats/"),
        "messages": format!("{base}/messages/"),
        "persons": format!("{base}/persons/"),
        "templates": format!("{base}/templates/"),
    }))
}

/// `GET /api/v1/auth/logout/`: the token used stops working.
pub async fn logout(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    state.store.delete_api_token(&token_in(&headers)?).await?;
    Ok(Json(json!({"detail": "Successfully logged out."})))
}
