//! Saved responses, resolve, availability, password change and the business profile.

mod availability;
mod business_profile;
mod fields;
mod password;
mod resolve;
mod saved_responses;

use crate::state::AppState;
use axum::routing::{delete, get, patch, put};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/saved_responses/",
            get(saved_responses::list).post(saved_responses::create),
        )
        .route(
            "/api/v1/saved_responses/{id}/",
            delete(saved_responses::destroy),
        )
        // get.chat's front-end writes these two without a trailing slash; both are accepted.
        .route("/api/v1/chats/{wa_id}/resolve", patch(resolve::resolve))
        .route("/api/v1/chats/{wa_id}/resolve/", patch(resolve::resolve))
        .route(
            "/api/v1/users/{id}/availability",
            patch(availability::update),
        )
        .route(
            "/api/v1/users/{id}/availability/",
            patch(availability::update),
        )
        .route(
            "/api/v1/users/password/change/",
            put(password::change).patch(password::change),
        )
        .route(
            "/api/v1/settings/business/profile/",
            get(business_profile::show).patch(business_profile::update),
        )
        .route(
            "/api/v1/settings/profile/about/",
            get(business_profile::about).patch(business_profile::update_about),
        )
        .route(
            "/api/v1/settings/useravailability/",
            get(availability::feature),
        )
}
