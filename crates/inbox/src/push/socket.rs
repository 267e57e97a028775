//! Where the push channel's websocket is reached: `GET /ws/`, and `GET /` when the request asks
//! for a websocket (the control plane's router sends `websockets-{subdomain}.{base}/` here), while
//! a plain `GET /` stays with the pages.

use super::session;
use crate::domain::User;
use crate::secret::SecretDigest;
use crate::state::AppState;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The socket reads only the token frame and control frames: a small buffer keeps an idle socket
/// cheap (the default is 128 KiB).
const READ_BUFFER: usize = 4 * 1024;
/// Bigger incoming messages are refused: nothing a client sends is anywhere near this.
const MAX_INCOMING: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ws/", get(upgrade))
        .route("/ws", get(upgrade))
}

/// Middleware for the whole app: takes a websocket upgrade of `/` and lets every other request
/// through. `/` cannot be a second route, because the pages already serve `GET /`.
pub async fn upgrade_at_root(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path() != "/" || !asks_for_websocket(req.headers()) {
        return next.run(req).await;
    }
    let (mut parts, _body) = req.into_parts();
    match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(ws) => accept(ws, state),
        Err(rejection) => rejection.into_response(),
    }
}

async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    accept(ws, state)
}

fn accept(ws: WebSocketUpgrade, state: AppState) -> Response {
    small(ws).on_upgrade(move |socket| session::run(socket, state))
}

/// The web inbox page's socket, whose user the caller found from the session cookie (and whose
/// origin it checked): the same frames, no token frame, closed when the session ends.
pub fn accept_page_socket(
    ws: WebSocketUpgrade,
    state: AppState,
    user: User,
    session: SecretDigest,
) -> Response {
    small(ws).on_upgrade(move |socket| session::run_for_page(socket, state, user, session))
}

fn small(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER)
        // Each frame is written at once rather than gathered: no write buffer to keep.
        .write_buffer_size(0)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
}

fn asks_for_websocket(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_an_upgrade_to_websocket_is_taken_at_the_root() {
        let mut headers = HeaderMap::new();
        assert!(!asks_for_websocket(&headers));
        headers.insert(header::UPGRADE, HeaderValue::from_static("h2c"));
        assert!(!asks_for_websocket(&headers));
        headers.insert(header::UPGRADE, HeaderValue::from_static("WebSocket"));
        assert!(asks_for_websocket(&headers));
    }
}
