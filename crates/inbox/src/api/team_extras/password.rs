//! `PUT users/password/change/` `{"current_password","new_password"}` (and, if sent,
//! `"new_password_repeat"`): a person changes their own password. The token the change is made
//! with keeps working; every other token and web session of that person ends, so whoever knew
//! the old password is signed out.

use super::fields::{invalid, required_str};
use crate::accounts::AccountError;
use crate::api::extract::{token_in, ApiJson, Caller};
use crate::api::ApiError;
use crate::client_addr::ClientAddr;
use crate::domain::{NewPassword, Role};
use crate::login_limiter::Verdict;
use crate::password;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

const CONFIGURATOR_HAS_NO_PASSWORD: &str =
    "The configurator user has no password: it is a service account that uses only its API token.";

pub async fn change(
    State(state): State<AppState>,
    Caller(user): Caller,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    if user.role == Role::Configurator {
        return Err(ApiError::Forbidden(CONFIGURATOR_HAS_NO_PASSWORD));
    }
    let current = required_str(&body, "current_password")?;
    let new = required_str(&body, "new_password")?;
    let new = match body.get("new_password_repeat").and_then(Value::as_str) {
        Some(repeat) => NewPassword::parse_confirmed(new, repeat),
        None => NewPassword::parse(new),
    }
    .map_err(|message| invalid("new_password", &message))?;
    // Guesses of the current password count like sign-in failures: a stolen token must not
    // become a way to find the password.
    let username = user.username.as_str();
    match state.limiter.begin(username, address) {
        Verdict::Locked { retry_after } => {
            return Err(AccountError::TooManyAttempts { retry_after }.into())
        }
        Verdict::Proceed { delay } => tokio::time::sleep(delay).await,
    }
    let stored = state
        .store
        .user_with_password(username)
        .await?
        .and_then(|(found, hash)| hash.filter(|_| found.id == user.id));
    if !password::verify(current.to_owned(), stored).await? {
        tracing::info!(
            user = user.username.as_str(),
            "password change with a wrong current password"
        );
        return Err(invalid(
            "current_password",
            "Your current password was entered incorrectly.",
        ));
    }
    state.limiter.record_success(username, address);
    let hash = password::hash(new).await?;
    let kept = token_in(&headers)?;
    state.store.replace_password(user.id, &hash, &kept).await?;
    tracing::info!(user = username, "password changed");
    Ok(Json(json!({"detail": "Your password has been changed."})))
}
