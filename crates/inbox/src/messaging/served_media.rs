//! The bytes of a sent or received file as an HTTP answer, for the API and the web inbox alike.
//! Received files not kept yet are fetched from 360Dialog now.

use super::fetch::fetch_media;
use crate::domain::whatsapp::is_media_id;
use crate::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

/// Types a browser may show in the page; anything else is only ever downloaded.
const SHOWN_INLINE: &[&str] = &["image/", "audio/", "video/"];

pub enum Served {
    File(Response),
    NotFound,
    /// A received file 360Dialog could not give yet.
    Unavailable,
}

pub async fn serve(state: &AppState, id: &str) -> anyhow::Result<Served> {
    if !is_media_id(id) {
        return Ok(Served::NotFound);
    }
    let Some(media) = state.store.media(id).await? else {
        return Ok(Served::NotFound);
    };
    if !media.stored && !fetch_media(state, id).await? {
        return Ok(Served::Unavailable);
    }
    // Fetching may have learnt the file's real type.
    let Some(media) = state.store.media(id).await? else {
        return Ok(Served::NotFound);
    };
    let bytes = state.messaging.media.read(id).await?;
    Ok(Served::File(
        (headers_for(&media.mime_type), bytes).into_response(),
    ))
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
