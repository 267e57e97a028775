//! Slow and greedy clients: requests left half-sent are closed after the header timeout while
//! everyone else is answered, and one client address cannot hold every router connection.

use crate::support::{Backend, TestApp};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const HALF_SENT: usize = 50;
const HOST: &str = "nobody.inbox.localhost";

async fn connect_from(source: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

/// A request whose headers never end.
async fn half_sent(to: SocketAddr) -> TcpStream {
    let mut tcp = TcpStream::connect(to).await.unwrap();
    let start = format!("GET / HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: ");
    tcp.write_all(start.as_bytes()).await.unwrap();
    tcp
}

/// The status line of a complete `GET /`, answered within a second.
async fn answered(mut tcp: TcpStream) -> String {
    let request = format!("GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(1), tcp.read_to_end(&mut answer))
        .await
        .expect("answered within a second")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer.lines().next().unwrap_or_default().to_owned()
}

/// Waits until the server closes `tcp` (end of stream or reset), within `deadline`.
async fn closed_within(mut tcp: TcpStream, deadline: Duration) {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(deadline, async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await
    .expect("the server closes the connection");
}

async fn half_sent_requests_are_closed_while_others_are_answered(app: &TestApp, to: SocketAddr) {
    let mut slow = Vec::new();
    for _ in 0..HALF_SENT {
        slow.push(half_sent(to).await);
    }
    let status = answered(TcpStream::connect(to).await.unwrap()).await;
    assert!(status.starts_with("HTTP/1.1 "), "{status}");
    let timeout = Duration::from_secs(app.args.header_timeout_seconds);
    let closing = slow
        .into_iter()
        .map(|tcp| closed_within(tcp, timeout + Duration::from_secs(5)));
    futures::future::join_all(closing).await;
}

#[tokio::test]
async fn the_api_closes_half_sent_requests_after_the_header_timeout_and_keeps_answering() {
    let app = TestApp::spawn_with(Backend::Sqlite, |a| a.header_timeout_seconds = 2).await;
    let to: SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    half_sent_requests_are_closed_while_others_are_answered(&app, to).await;
    app.stop().await;
}

#[tokio::test]
async fn the_router_closes_half_sent_requests_after_the_header_timeout_and_keeps_answering() {
    let app = TestApp::spawn_with(Backend::Sqlite, |a| a.header_timeout_seconds = 2).await;
    half_sent_requests_are_closed_while_others_are_answered(&app, app.router_addr()).await;
    app.stop().await;
}

#[tokio::test]
async fn one_client_over_its_cap_is_closed_while_another_client_is_answered() {
    let app = TestApp::spawn_with(Backend::Sqlite, |a| a.max_connections_per_client = 5).await;
    let to = app.router_addr();
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(half_sent(to).await);
    }
    let extra = connect_from("127.0.0.1", to).await;
    closed_within(extra, Duration::from_secs(5)).await;
    let other = answered(connect_from("127.0.0.2", to).await).await;
    assert!(other.starts_with("HTTP/1.1 "), "{other}");
    drop(held);
    app.stop().await;
}
