//! A webhook receiver on a loopback port: it answers from a script and records what arrives.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// How the receiver answers one request.
#[derive(Clone, Debug)]
pub enum Reply {
    Status(u16),
    /// A status with one header, e.g. `429` with `Retry-After`.
    WithHeader(u16, &'static str, &'static str),
    /// Accepts the request and never answers.
    Hang,
}

#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    received: Vec<Received>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    script: Arc<Mutex<Script>>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Answers `replies` in turn, then `200 {"ok":true}` to everything.
    pub async fn start(replies: Vec<Reply>) -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").await.unwrap(), replies)
    }

    /// The same on a port a test chose, e.g. one that refused connections until now.
    pub async fn start_at(port: u16, replies: Vec<Reply>) -> Self {
        Self::start_on(
            TcpListener::bind(("127.0.0.1", port)).await.unwrap(),
            replies,
        )
    }

    fn start_on(listener: TcpListener, replies: Vec<Reply>) -> Self {
        let addr = listener.local_addr().unwrap();
        let script = Arc::new(Mutex::new(Script {
            replies: replies.into(),
            received: Vec::new(),
        }));
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(script.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            script,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(
    State(script): State<Arc<Mutex<Script>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = {
        let mut script = script.lock().unwrap();
        script.received.push(Received { headers, body });
        script.replies.pop_front()
    };
    match reply {
        None => (StatusCode::OK, r#"{"ok":true}"#).into_response(),
        Some(Reply::Status(code)) => status(code).into_response(),
        Some(Reply::WithHeader(code, name, value)) => {
            let mut response = status(code).into_response();
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
            response
        }
        Some(Reply::Hang) => std::future::pending().await,
    }
}

fn status(code: u16) -> (StatusCode, String) {
    (
        StatusCode::from_u16(code).unwrap(),
        format!("answer {code}"),
    )
}

/// A loopback port nothing listens on (for now).
pub async fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
