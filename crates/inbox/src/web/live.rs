//! The web inbox's live feed: the page's script opens `/inbox/ws` on the page's own origin and
//! receives the push channel's frames, then fetches the page again and swaps what changed.
//!
//! The page has a session cookie, not an API token, so this socket is authenticated by that
//! cookie and has no token frame. A browser sends cookies with a websocket opened by any site,
//! so the request's `Origin` must be this instance (its public origin, or the host the request
//! was sent to): another site's page cannot listen in (cross-site websocket hijacking).

use super::error::WebError;
use super::session::InboxSession;
use crate::push;
use crate::state::AppState;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::Response;

pub async fn socket(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, WebError> {
    if !same_origin(&headers, &state.identity.public_origin) {
        return Err(WebError::CsrfRejected);
    }
    Ok(push::accept_page_socket(
        ws,
        state,
        session.user,
        session.token,
    ))
}

/// Whether the request's `Origin` is this instance: its public origin, or the very host the
/// request was addressed to. No `Origin` is not a browser page of ours.
fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(origin) = text(header::ORIGIN) else {
        return false;
    };
    if origin.eq_ignore_ascii_case(public_origin.trim_end_matches('/')) {
        return true;
    }
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((authority, text(header::HOST)), (Some(a), Some(host)) if a.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_static(origin));
        }
        headers
    }

    #[test]
    fn only_the_instances_own_pages_may_open_the_feed() {
        let public = "https://acme.inbox.example";
        let ours = headers(Some("http://127.0.0.1:4000"), "127.0.0.1:4000");
        assert!(same_origin(&ours, public));
        let proxied = headers(Some("https://acme.inbox.example"), "10.0.0.5:4000");
        assert!(same_origin(&proxied, public));
        let elsewhere = headers(Some("https://evil.example"), "127.0.0.1:4000");
        assert!(!same_origin(&elsewhere, public));
        let lookalike = headers(Some("http://127.0.0.1:4000.evil.example"), "127.0.0.1:4000");
        assert!(!same_origin(&lookalike, public));
        assert!(!same_origin(&headers(None, "127.0.0.1:4000"), public));
    }
}
