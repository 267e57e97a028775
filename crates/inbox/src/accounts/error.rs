use crate::domain::{FieldErrors, SeatLimit};
use axum::http::StatusCode;
use std::time::Duration;

/// Why an account operation was refused. The messages are shown as they are, in JSON and on pages.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("Some fields are invalid.")]
    Invalid(FieldErrors),
    #[error("Seat limit reached: this instance allows at most {0} users (admins and agents). Remove a user or ask your provider for more seats.")]
    SeatLimitReached(SeatLimit),
    #[error("Not found.")]
    NotFound,
    #[error("You cannot delete your own user.")]
    CannotDeleteSelf,
    #[error("The configurator user cannot be deleted.")]
    CannotDeleteConfigurator,
    #[error("Unable to log in with provided credentials.")]
    BadCredentials,
    #[error("Too many failed sign-in attempts. Try again in {} minutes.", whole_minutes(*.retry_after))]
    TooManyAttempts { retry_after: Duration },
    #[error("The configurator user cannot sign in with a password: it is a service account that uses only its API token.")]
    ConfiguratorCannotSignIn,
    #[error("Your account is over the seat limit of this instance ({0} users; admins come first, then agents in the order they were added). Ask an admin to remove a user or to get more seats.")]
    OverSeatLimit(SeatLimit),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn whole_minutes(wait: Duration) -> u64 {
    wait.as_secs().div_ceil(60).max(1)
}

impl AccountError {
    /// The HTTP status of the refusal, the same for the JSON API and the web pages.
    pub fn http_status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) | Self::BadCredentials | Self::ConfiguratorCannotSignIn => {
                StatusCode::BAD_REQUEST
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::SeatLimitReached(_)
            | Self::OverSeatLimit(_)
            | Self::CannotDeleteSelf
            | Self::CannotDeleteConfigurator => StatusCode::FORBIDDEN,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
