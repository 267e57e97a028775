//! Who handles a chat (`chat_assignment/`, `chat_assignment_events/`).

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
