//! Saved responses, resolve, availability, password change and the business profile.

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
