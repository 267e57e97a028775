//! The instance's JSON API: get.chat's Integration API (Django REST framework shapes), the
//! inbound webhook of 360Dialog, and the control plane's platform endpoints.

mod account;
mod assignment;
mod chats;
mod error;
mod extract;
mod groups;
mod health;
mod media;
mod messages;
mod pagination;
mod platform;
mod query;
mod session;
mod tags;
mod team_extras;
mod templates;
mod token;
mod users;
pub mod views;

pub use error::{not_found, ApiError};
pub use extract::ApiBytes;

use crate::bootstrap::INBOUND_WEBHOOK_PATH;
use crate::messaging::inbound;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post, put};
use axum::Router;

/// Cloud API webhook bodies are small, but 360Dialog may batch several messages in one.
const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/", get(session::root))
        .route("/api/v1/status/health", get(health::health))
        .route("/api/v1/status/health/", get(health::health))
        .route("/api/v1/auth/token/", post(token::obtain))
        .route(
            "/api/v1/auth/logout/",
            get(session::logout).post(session::logout),
        )
        .route("/api/v1/users/", get(users::list).post(users::create))
        .route("/api/v1/users/current/", get(users::current))
        .route(
            "/api/v1/users/{id}/",
            get(users::retrieve).delete(users::destroy),
        )
        .merge(messaging_routes())
        .route("/api/v1/templates/", get(templates::list))
        .route("/api/v1/templates/refresh/issue/", post(templates::refresh))
        .route(
            "/api/v1/templates/refresh/status/",
            get(templates::refresh_status),
        )
        .route(
            "/api/v1/whatsapp_accounts/",
            get(account::whatsapp_accounts),
        )
        .route(
            "/api/v1/settings/profile/photo/",
            get(account::profile_photo),
        )
        .merge(tags::routes())
        .merge(groups::routes())
        .merge(assignment::routes())
        .merge(team_extras::routes())
        .route(
            INBOUND_WEBHOOK_PATH,
            post(inbound::receive).layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT)),
        )
        .route(
            "/api/v1/platform/settings",
            get(platform::show).put(platform::update),
        )
        .route(
            "/api/v1/platform/activation",
            put(platform::rearm_activation),
        )
}

/// Conversations: closed to the configurator, as the documentation says.
fn messaging_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/chats/", get(chats::list))
        .route("/api/v1/chats/{wa_id}/", get(chats::retrieve))
        .route("/api/v1/persons/", get(chats::persons))
        .route("/api/v1/persons/{wa_id}/", get(chats::person))
        .route("/api/v1/contacts/", get(chats::contacts))
        .route("/api/v1/contacts/{wa_id}/", get(chats::contact))
        .route("/api/v1/mark_as_received/", post(chats::mark_as_received))
        .route(
            "/api/v1/messages/",
            get(messages::list).post(messages::send),
        )
        .route("/api/v1/messages/{*rest}", any(messages::elsewhere))
        .route(
            "/api/v1/media/",
            post(media::upload).layer(DefaultBodyLimit::max(media::MAX_READ_BYTES)),
        )
        .route("/api/v1/media/{id}", get(media::download))
        .route("/api/v1/media/{id}/", get(media::download))
}
