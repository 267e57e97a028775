//! Tags and tagging of chats (`tags/`, `chat_tagging/`, `chat_tagging_events/`).

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
