//! One socket's life in get.chat's protocol: the client's `{"token": …}` frame first, then every
//! published frame until either side leaves. Sockets that cannot keep up are closed; their clients
//! reconnect and catch up through the API.

use super::hub::Connection;
use crate::clock;
use crate::domain::{Role, User};
use crate::secret::SecretDigest;
use crate::state::AppState;
use crate::store::Area;
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket};
use serde::Deserialize;
use std::future::{pending, Future};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{timeout, Instant, MissedTickBehavior};

/// The client must present its token this soon after connecting.
const AUTH_WINDOW: Duration = Duration::from_secs(10);
/// A ping this often; a peer that has not answered by the next one is closed.
const PING_EVERY: Duration = Duration::from_secs(30);
/// A peer that takes longer to take one frame is gone or too slow to be worth waiting for.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// After our close frame, how long the peer has to answer with its own.
const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// A page socket's session is read again this often, so that an expired session, or one whose
/// user was removed, stops its feed; a sign-out stops it at once.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(60);

/// Close codes of this protocol, beyond the standard ones.
const INVALID_TOKEN: u16 = 4001;
const FORBIDDEN: u16 = 4003;

pub(super) async fn run(mut socket: WebSocket, state: AppState) {
    let end = match authenticate(&mut socket, &state).await {
        Ok(user) => {
            tracing::debug!(user = user.id.0, "push socket connected");
            forward(&mut socket, state.push.connect(), pending()).await
        }
        Err(refusal) => {
            tracing::debug!(?refusal, "push socket refused");
            refusal.close_frame()
        }
    };
    if let Some(frame) = end {
        close(socket, frame).await;
    }
}

/// The web inbox page's socket: its user is known from the session cookie, so there is no token
/// frame, and it lasts as long as that session.
pub(super) async fn run_for_page(
    mut socket: WebSocket,
    state: AppState,
    user: User,
    session: SecretDigest,
) {
    tracing::debug!(user = user.id.0, "page socket connected");
    let frames = state.push.connect();
    let end = forward(&mut socket, frames, session_end(&state, &session)).await;
    if let Some(frame) = end {
        close(socket, frame).await;
    }
}

/// Resolves when the web session ends: signed out, expired, or its user removed.
async fn session_end(state: &AppState, session: &SecretDigest) -> CloseFrame {
    let mut ended = state.push.ended_sessions();
    let mut check =
        tokio::time::interval_at(Instant::now() + SESSION_CHECK_EVERY, SESSION_CHECK_EVERY);
    loop {
        tokio::select! {
            gone = ended.recv() => match gone {
                Ok(hex) if *hex == *session.as_hex() => break,
                // A missed sign-out is caught by the next check.
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return close_frame(close_code::AWAY, "The server is stopping."),
            },
            _ = check.tick() => match state.store.session(session, Area::Inbox, clock::now()).await {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => tracing::warn!(error = format!("{e:#}"), "page socket: the session check failed"),
            },
        }
    }
    close_frame(INVALID_TOKEN, "Signed out.")
}

#[derive(Deserialize)]
struct Hello {
    token: String,
}

#[derive(Debug)]
enum Refusal {
    /// No token frame in time, or a first frame that is not `{"token": "…"}`.
    NoCredentials,
    InvalidToken,
    /// The configurator may use the API but never messaging.
    Configurator,
    /// The peer left before it said who it is.
    Gone,
    Internal(anyhow::Error),
}

impl Refusal {
    fn close_frame(self) -> Option<CloseFrame> {
        let (code, reason) = match self {
            Self::NoCredentials => (
                INVALID_TOKEN,
                "Authentication credentials were not provided.",
            ),
            Self::InvalidToken => (INVALID_TOKEN, "Invalid token."),
            Self::Configurator => (FORBIDDEN, "The configurator may not use messaging."),
            Self::Gone => return None,
            Self::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "push socket: internal error");
                (close_code::ERROR, "A server error occurred.")
            }
        };
        Some(close_frame(code, reason))
    }
}

async fn authenticate(socket: &mut WebSocket, state: &AppState) -> Result<User, Refusal> {
    let hello = timeout(AUTH_WINDOW, first_text(socket))
        .await
        .map_err(|_| Refusal::NoCredentials)??;
    let token = serde_json::from_str::<Hello>(&hello)
        .map_err(|_| Refusal::NoCredentials)?
        .token;
    if token.trim().is_empty() {
        return Err(Refusal::NoCredentials);
    }
    let user = state
        .store
        .user_of_api_token(&SecretDigest::of(token.trim()))
        .await
        .map_err(Refusal::Internal)?
        .ok_or(Refusal::InvalidToken)?;
    if user.role == Role::Configurator {
        return Err(Refusal::Configurator);
    }
    Ok(user)
}

async fn first_text(socket: &mut WebSocket) -> Result<Utf8Bytes, Refusal> {
    loop {
        match socket.recv().await {
            Some(Ok(Message::Text(text))) => return Ok(text),
            // Answered by the websocket layer itself.
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Binary(_))) => return Err(Refusal::NoCredentials),
            Some(Ok(Message::Close(_)) | Err(_)) | None => return Err(Refusal::Gone),
        }
    }
}

/// Sends every frame of the hub until the peer leaves (`None`), must be closed, or `ended`
/// says why it ends.
async fn forward(
    socket: &mut WebSocket,
    mut frames: Connection,
    ended: impl Future<Output = CloseFrame>,
) -> Option<CloseFrame> {
    tokio::pin!(ended);
    let mut heartbeat = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut answered = true;
    loop {
        let outgoing = tokio::select! {
            incoming = socket.recv() => match incoming {
                // The websocket layer answers a close frame itself; the next read ends.
                Some(Ok(Message::Close(_))) => continue,
                Some(Ok(_)) => {
                    answered = true;
                    continue;
                }
                Some(Err(_)) | None => return None,
            },
            frame = frames.next() => match frame {
                Ok(text) => Message::Text(Utf8Bytes::from(&*text)),
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "push socket fell behind");
                    return Some(close_frame(close_code::AGAIN, "Too far behind: reconnect."));
                }
                Err(RecvError::Closed) => {
                    return Some(close_frame(close_code::AWAY, "The server is stopping."))
                }
            },
            reason = &mut ended => return Some(reason),
            _ = heartbeat.tick() => {
                if !answered {
                    return Some(close_frame(close_code::POLICY, "No answer to ping."));
                }
                answered = false;
                Message::Ping(Default::default())
            }
        };
        match timeout(SEND_TIMEOUT, socket.send(outgoing)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return None,
            Err(_) => return Some(close_frame(close_code::POLICY, "Too slow to read.")),
        }
    }
}

/// Sends our close frame and waits briefly for the peer's, so that the peer reads the reason
/// before the connection goes.
async fn close(mut socket: WebSocket, frame: CloseFrame) {
    let closing = async {
        socket.send(Message::Close(Some(frame))).await.ok()?;
        while let Some(Ok(_)) = socket.recv().await {}
        Some(())
    };
    let _ = timeout(CLOSE_WAIT, closing).await;
}

fn close_frame(code: u16, reason: &'static str) -> CloseFrame {
    CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }
}
