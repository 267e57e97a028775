//! The instance's JSON API, in the manner of get.chat's Integration API (Django REST framework).

mod error;
mod extract;
mod health;
mod messages;
mod pagination;
mod platform;
mod token;
mod users;

pub use error::{not_found, ApiError};

use crate::state::AppState;
use axum::routing::{any, get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/status/health", get(health::health))
        .route("/api/v1/status/health/", get(health::health))
        .route("/api/v1/auth/token/", post(token::obtain))
        .route("/api/v1/users/", get(users::list).post(users::create))
        .route("/api/v1/users/current/", get(users::current))
        .route(
            "/api/v1/users/{id}/",
            get(users::retrieve).delete(users::destroy),
        )
        .route("/api/v1/messages", any(messages::any_method))
        .route("/api/v1/messages/", any(messages::any_method))
        .route("/api/v1/messages/{*rest}", any(messages::any_method))
        .route(
            "/api/v1/platform/settings",
            get(platform::show).put(platform::update),
        )
}
