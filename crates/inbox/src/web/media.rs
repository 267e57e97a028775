//! `/inbox/media/{id}`: the bytes of a file sent or received, for the signed-in web inbox.

use super::error::WebError;
use super::session::InboxSession;
use crate::messaging::served_media::{serve, Served};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;

pub async fn file(
    State(state): State<AppState>,
    InboxSession(_session): InboxSession,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    match serve(&state, &id).await? {
        Served::File(response) => Ok(response),
        Served::NotFound => Err(WebError::NotFound),
        Served::Unavailable => Err(WebError::MediaUnavailable),
    }
}
