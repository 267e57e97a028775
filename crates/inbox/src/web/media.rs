//! `/inbox/media/{id}`: the bytes of a file sent or received, for the signed-in web inbox.
//! Received files not kept yet are fetched from 360Dialog now.

use super::error::WebError;
use super::session::InboxSession;
use crate::domain::whatsapp::is_media_id;
use crate::messaging::fetch::fetch_media;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

/// Types a browser may show in the page; anything else is only ever downloaded.
const SHOWN_INLINE: &[&str] = &["image/", "audio/", "video/"];

pub async fn file(
    State(state): State<AppState>,
    InboxSession(_session): InboxSession,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    if !is_media_id(&id) {
        return Err(WebError::NotFound);
    }
    let media = state.store.media(&id).await?.ok_or(WebError::NotFound)?;
    if !media.stored && !fetch_media(&state, &id).await? {
        return Err(WebError::MediaUnavailable);
    }
    // Fetching may have learnt the file's real type.
    let media = state.store.media(&id).await?.ok_or(WebError::NotFound)?;
    let bytes = state.messaging.media.read(&id).await?;
    Ok((headers_for(&media.mime_type), bytes).into_response())
}

/// Files come from strangers: a browser must never sniff one into a page of this origin, nor
/// run anything in it.
fn headers_for(mime_type: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let content_type = HeaderValue::from_str(mime_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let set = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ),
        (header::CACHE_CONTROL, "private, max-age=86400"),
    ];
    headers.insert(header::CONTENT_TYPE, content_type);
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !SHOWN_INLINE.iter().any(|p| mime_type.starts_with(p)) {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    headers
}
