use super::error::ApiError;
use super::extract::ApiJson;
use crate::accounts;
use crate::client_addr::ClientAddr;
use crate::clock;
use crate::domain::FieldErrors;
use crate::secret::{random_hex, SecretDigest};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct Credentials {
    username: Option<String>,
    password: Option<String>,
}

/// `POST /api/v1/auth/token/`: a new API token for a user name and password. Each call issues a
/// new token (only digests are stored, so an earlier one cannot be shown again).
pub async fn obtain(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Json<Value>, ApiError> {
    let mut missing = FieldErrors::default();
    for (field, value) in [
        ("username", &credentials.username),
        ("password", &credentials.password),
    ] {
        if value.as_deref().is_none_or(str::is_empty) {
            missing.add(field, "This field is required.");
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::Invalid(missing));
    }
    let username = credentials.username.unwrap_or_default();
    let password = credentials.password.unwrap_or_default();
    let user = accounts::sign_in(&state, &username, &password, address).await?;
    let token = random_hex(20);
    state
        .store
        .add_api_token(user.id, &SecretDigest::of(&token), clock::now())
        .await?;
    Ok(Json(json!({ "token": token })))
}
