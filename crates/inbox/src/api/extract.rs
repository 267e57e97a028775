//! Who is calling: a user by its API token, or the platform by its own token.

use super::error::{ApiError, NOT_ALLOWED, NOT_FOR_CONFIGURATOR};
use crate::domain::Role;
use crate::domain::User;
use crate::secret::SecretDigest;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;

/// A JSON body whose rejection answers in the API's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// A body as it came, whose rejection (over the route's limit, broken) answers in the API's
/// error shape.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(Self(Bytes::from_request(req, state).await?))
    }
}

/// A user authenticated with `Authorization: Token <token>`.
pub struct Caller(pub User);

impl Caller {
    /// Admins and the configurator manage users; agents do not.
    pub fn require_user_manager(&self) -> Result<(), ApiError> {
        if self.0.role.manages_users() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(NOT_ALLOWED))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = presented_token(parts)?;
        let user = state.store.user_of_api_token(&token).await?;
        user.map(Caller).ok_or(ApiError::InvalidToken)
    }
}

/// A person of the team (admin or agent): everyone but the configurator, which the
/// documentation keeps away from messaging.
pub struct Agent(pub User);

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Caller(user) = Caller::from_request_parts(parts, state).await?;
        if user.role == Role::Configurator {
            return Err(ApiError::Forbidden(NOT_FOR_CONFIGURATOR));
        }
        Ok(Agent(user))
    }
}

/// The control plane, with the token whose digest is the bootstrap's `platform_token_sha256`.
pub struct Platform;

impl FromRequestParts<AppState> for Platform {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = presented_token(parts)?;
        if token.matches(&state.identity.platform_token) {
            return Ok(Platform);
        }
        match state.store.user_of_api_token(&token).await? {
            Some(_) => Err(ApiError::Forbidden(
                "Only the platform may use this endpoint.",
            )),
            None => Err(ApiError::InvalidToken),
        }
    }
}

fn presented_token(parts: &Parts) -> Result<SecretDigest, ApiError> {
    token_in(&parts.headers)
}

/// The digest of the `Authorization: Token …` a request carries.
pub fn token_in(headers: &axum::http::HeaderMap) -> Result<SecretDigest, ApiError> {
    let header = headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::NotAuthenticated)?;
    let value = header.to_str().map_err(|_| ApiError::InvalidToken)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(ApiError::InvalidToken)?;
    if !scheme.eq_ignore_ascii_case("token") || token.trim().is_empty() {
        return Err(ApiError::NotAuthenticated);
    }
    Ok(SecretDigest::of(token.trim()))
}
