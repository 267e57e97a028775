//! Slow and greedy clients: requests left half-sent are closed after the header timeout, a
//! connection over the cap is closed at once (open websockets count), and the instance keeps
//! answering everyone else.

use crate::support::instance::{command, read_port, write_bootstrap};
use crate::support::socket::Socket;
use crate::support::{token_for, Instance, Spec, PASSWORD};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::process::Child;
use tokio_tungstenite::tungstenite::Message;

const HEALTH: &str = "GET /api/v1/status/health HTTP/1.1\r\nHost: acme.inbox.localhost\r\n";
/// How soon a well-behaved request is answered while others misbehave.
const ANSWERED_WITHIN: Duration = Duration::from_secs(1);
/// Slack on every "closed within" for a machine under load; the timeouts tested are far shorter
/// than what a slow machine could add, so a pass still means the limit works.
const SLACK: Duration = Duration::from_secs(8);

/// A running instance no other client has talked to: the caps count only this test's
/// connections (a health check's closed connection could otherwise hold a place for a moment).
struct Started {
    address: SocketAddr,
    _child: Child,
    _dir: TempDir,
}

/// Its connections wait in the accept queue until it serves, so nothing needs to wait for health.
async fn start(flags: &[&str]) -> Started {
    let dir = tempfile::tempdir().expect("temp dir");
    write_bootstrap(&dir, &Spec::default());
    let mut child = command(&dir, flags)
        .spawn()
        .expect("the inbox binary starts");
    let port = read_port(&mut child).await;
    Started {
        address: SocketAddr::from(([127, 0, 0, 1], port)),
        _child: child,
        _dir: dir,
    }
}

async fn connect_from(source: [u8; 4], to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    socket.connect(to).await.unwrap()
}

/// A request whose headers never end.
async fn half_sent(to: SocketAddr) -> TcpStream {
    let mut tcp = TcpStream::connect(to).await.unwrap();
    tcp.write_all(format!("{HEALTH}X-Slow: ").as_bytes())
        .await
        .unwrap();
    tcp
}

/// The status line of one health check on `tcp`, which stays open for the next request.
async fn health_on(tcp: &mut TcpStream) -> String {
    tcp.write_all(format!("{HEALTH}\r\n").as_bytes())
        .await
        .unwrap();
    tokio::time::timeout(ANSWERED_WITHIN, read_answer(tcp))
        .await
        .expect("answered within a second")
}

/// Reads one answer with a `Content-Length` body; returns its status line.
async fn read_answer(tcp: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the answer");
        received.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })
        .expect("a content-length")
        .parse()
        .unwrap();
    while received.len() < head_end + length {
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed within the body");
        received.extend_from_slice(&buf[..n]);
    }
    head.lines().next().unwrap_or_default().to_owned()
}

/// Waits until the instance closes `tcp` (end of stream or reset) without answering.
async fn closed_unanswered_within(mut tcp: TcpStream, deadline: Duration) {
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(deadline, tcp.read(&mut buf))
        .await
        .expect("the instance closes the connection");
    assert!(matches!(read, Ok(0) | Err(_)), "answered: {read:?}");
}

#[tokio::test]
async fn half_sent_requests_are_closed_after_the_header_timeout_while_others_are_answered() {
    let instance = start(&["--header-timeout-seconds", "2"]).await;
    let to = instance.address;
    let mut slow = Vec::new();
    for _ in 0..50 {
        slow.push(half_sent(to).await);
    }

    let status = health_on(&mut TcpStream::connect(to).await.unwrap()).await;

    assert_eq!(status, "HTTP/1.1 200 OK");
    let closing = slow
        .into_iter()
        .map(|tcp| closed_unanswered_within(tcp, Duration::from_secs(2) + SLACK));
    futures_util::future::join_all(closing).await;
}

#[tokio::test]
async fn at_the_connection_cap_a_new_connection_is_closed_and_an_open_one_is_still_answered() {
    let cap = 8;
    let instance = start(&["--max-connections", "8", "--header-timeout-seconds", "60"]).await;
    let to = instance.address;
    let mut open = TcpStream::connect(to).await.unwrap();
    assert_eq!(health_on(&mut open).await, "HTTP/1.1 200 OK");
    let mut slow = Vec::new();
    for _ in 1..cap {
        slow.push(half_sent(to).await);
    }

    closed_unanswered_within(TcpStream::connect(to).await.unwrap(), SLACK).await;
    assert_eq!(health_on(&mut open).await, "HTTP/1.1 200 OK");

    drop(slow);
    drop(open);
    let again = answered_once_freed(to).await;
    assert_eq!(again, "HTTP/1.1 200 OK");
}

/// Connections the instance has not yet seen closed still hold their places for a moment.
async fn answered_once_freed(to: SocketAddr) -> String {
    let deadline = tokio::time::Instant::now() + SLACK;
    loop {
        let mut tcp = TcpStream::connect(to).await.unwrap();
        if tcp
            .write_all(format!("{HEALTH}\r\n").as_bytes())
            .await
            .is_ok()
        {
            let mut first = [0u8; 1];
            if let Ok(1) = tcp.peek(&mut first).await {
                return read_answer(&mut tcp).await;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never answered again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn with_a_cap_per_client_one_address_over_it_is_closed_while_another_is_answered() {
    let instance = start(&["--max-connections-per-client", "3"]).await;
    let to = instance.address;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(half_sent(to).await);
    }

    closed_unanswered_within(connect_from([127, 0, 0, 1], to).await, SLACK).await;
    let mut other = connect_from([127, 0, 0, 2], to).await;

    assert_eq!(health_on(&mut other).await, "HTTP/1.1 200 OK");
    drop(held);
}

#[tokio::test]
async fn open_websockets_hold_their_places_under_the_connection_cap() {
    let cap = 8;
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let instance = Instance::start_in(dir, Spec::default(), &["--max-connections", "8"]).await;
    let to = SocketAddr::from(([127, 0, 0, 1], instance.port));
    let token = agent_token(&instance).await;
    let mut sockets = Vec::new();
    // The setup's own connections close in their own time: keep opening until every place is ours.
    let deadline = tokio::time::Instant::now() + SLACK;
    while sockets.len() < cap {
        match signed_in_socket(to, &token).await {
            Some(socket) => sockets.push(socket),
            None => assert!(tokio::time::Instant::now() < deadline, "no place freed"),
        }
    }

    closed_unanswered_within(TcpStream::connect(to).await.unwrap(), SLACK).await;

    drop(sockets);
    assert_eq!(answered_once_freed(to).await, "HTTP/1.1 200 OK");
}

async fn agent_token(instance: &Instance) -> String {
    instance.add_user("ana", "agent").await;
    let answer = token_for(instance, "ana", PASSWORD).await;
    let body: Value = answer.json().await.expect("json");
    body["token"].as_str().expect("a token").to_owned()
}

/// A push channel signed in with `token` (a pong after the token proves it was accepted), or
/// `None` when the instance closed the connection instead.
async fn signed_in_socket(to: SocketAddr, token: &str) -> Option<Socket> {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{to}/ws/"))
        .await
        .ok()?;
    let hello = json!({ "token": token }).to_string();
    socket.send(Message::text(hello)).await.expect("sent");
    socket
        .send(Message::Ping(b"ready?".to_vec().into()))
        .await
        .expect("ping");
    let pong = tokio::time::timeout(SLACK, socket.next())
        .await
        .expect("a frame in time")
        .expect("the socket is open")
        .expect("a valid frame");
    assert_eq!(pong, Message::Pong(b"ready?".to_vec().into()));
    Some(socket)
}
