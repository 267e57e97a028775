use super::AccountError;
use crate::domain::{Role, User};
use crate::login_limiter::Verdict;
use crate::password;
use crate::state::AppState;
use std::net::IpAddr;

/// Checks a user name and password from `address`, within the sign-in rate limit and the seats.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    address: IpAddr,
) -> Result<User, AccountError> {
    match state.limiter.begin(username, address) {
        Verdict::Locked { retry_after } => {
            return Err(AccountError::TooManyAttempts { retry_after })
        }
        Verdict::Proceed { delay } => tokio::time::sleep(delay).await,
    }
    let found = state.store.user_with_password(username).await?;
    if found
        .as_ref()
        .is_some_and(|(user, _)| user.role == Role::Configurator)
    {
        return Err(AccountError::ConfiguratorCannotSignIn);
    }
    let (user, stored) = match found {
        Some((user, stored)) => (Some(user), stored),
        None => (None, None),
    };
    let verified = password::verify(password.to_owned(), stored).await?;
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!(username, %address, "failed sign-in");
        return Err(AccountError::BadCredentials);
    };
    state.limiter.record_success(username, address);
    let limit = state.store.platform_settings().await?.max_number_of_seats;
    if !limit.covers_position(state.store.seat_position(&user).await?) {
        return Err(AccountError::OverSeatLimit(limit));
    }
    Ok(user)
}
