//! Requests at the router's HTTP edges, written byte for byte on a TCP connection as an attacker
//! (or an odd client) would send them: oversized bodies, two `Host` headers, an absolute-form
//! target naming another host, and `CONNECT`.

use crate::support::{Backend, TestApp};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What came back for one raw request.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.body))
    }
}

/// Writes `head` and then `body` on a fresh connection to the router, reading the answer while
/// the body is still being written (as a browser does), and returns it.
async fn exchange(to: SocketAddr, head: &str, body: Vec<u8>) -> Answer {
    let tcp = TcpStream::connect(to).await.unwrap();
    let (mut reading, mut writing) = tcp.into_split();
    let head = head.to_owned();
    let writer = tokio::spawn(async move {
        // The router may stop reading once it has answered; a failed write is not the test's
        // concern, the answer is.
        if writing.write_all(head.as_bytes()).await.is_ok() {
            let _ = writing.write_all(&body).await;
        }
        writing
    });
    let answer = tokio::time::timeout(Duration::from_secs(30), read_answer(&mut reading))
        .await
        .expect("the router answers within 30 s");
    writer.abort();
    answer
}

/// One HTTP/1.1 answer with a `Content-Length`, or the bytes that arrived before the connection
/// ended.
async fn read_answer(tcp: &mut (impl AsyncReadExt + Unpin)) -> Answer {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut wanted = None;
    loop {
        if wanted.is_none() {
            wanted = complete_length(&bytes);
        }
        if wanted.is_some_and(|wanted| bytes.len() >= wanted) {
            break;
        }
        match tcp.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) => panic!(
                "the connection failed after {:?}: {e}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// The length of the whole answer once its head has arrived.
fn complete_length(bytes: &[u8]) -> Option<usize> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    Some(end + length)
}

async fn send(app: &TestApp, head: &str) -> Answer {
    exchange(app.router_addr(), head, Vec::new()).await
}

fn host(app: &TestApp, subdomain: &str) -> String {
    format!("{subdomain}.inbox.localhost:{}", app.router_addr().port())
}

/// A ready instance: its id.
async fn ready(app: &TestApp, subdomain: &str, channel: &str) -> String {
    let created = app
        .create(json!({"subdomain": subdomain, "channel_id": channel}))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    app.wait_for(&id, "ready").await;
    id
}

#[tokio::test]
async fn a_body_over_the_webhooks_limit_is_a_413_every_time_never_a_502() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ready(&app, "big-body", "BigBodyCH").await;
    let body = vec![b'x'; 3 * 1024 * 1024];
    let head = format!(
        "POST /api/v1/whatsapp/webhook/ HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        host(&app, "big-body"),
        body.len()
    );
    for attempt in 0..20 {
        let answer = exchange(app.router_addr(), &head, body.clone()).await;
        assert_eq!(answer.status, 413, "attempt {attempt}: {answer:?}");
        assert_eq!(answer.json()["detail"], "The request body is too large.");
    }
    // A client that reads the answer only once its upload is sent gets it too: the router reads
    // the rest of the body the instance left.
    let url = format!("http://{}/api/v1/whatsapp/webhook/", app.router_addr());
    for attempt in 0..5 {
        let sent = app
            .client
            .post(&url)
            .header("Host", host(&app, "big-body"))
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("attempt {attempt}: {e:?}"));
        assert_eq!(sent.status(), 413, "attempt {attempt}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_body_over_what_any_inbox_reads_is_refused_by_the_router_with_413() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ready(&app, "huge-body", "HugeBodyCH").await;
    let declared = 64 * 1024 * 1024 + 1;
    let head = format!(
        "POST /api/v1/media/ HTTP/1.1\r\nHost: {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {declared}\r\n\r\n",
        host(&app, "huge-body"),
    );
    let answer = exchange(app.router_addr(), &head, vec![b'x'; 64 * 1024]).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(
        answer.json()["detail"],
        "The request body is too large.",
        "the router's own answer: the instance never saw it"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_request_with_two_host_headers_is_refused_with_400() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let id = ready(&app, "two-hosts", "TwoHostsCH").await;
    let (one, other) = (host(&app, "two-hosts"), host(&app, "someone-else"));
    let single = send(
        &app,
        &format!("GET /api/v1/status/health HTTP/1.1\r\nHost: {one}\r\n\r\n"),
    )
    .await;
    assert_eq!(single.status, 200, "{single:?}");
    assert_eq!(single.json()["instance_id"], id.as_str());

    for second in [&other, &one] {
        let request =
            format!("GET /api/v1/status/health HTTP/1.1\r\nHost: {one}\r\nHost: {second}\r\n\r\n");
        let answer = send(&app, &request).await;
        assert_eq!(answer.status, 400, "{answer:?}");
        assert_eq!(
            answer.json()["detail"],
            "The request has more than one Host header."
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn an_absolute_target_naming_another_host_is_refused_and_a_matching_one_is_served() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let named_by_host = ready(&app, "by-host", "ByHostCH").await;
    ready(&app, "by-target", "ByTargetCH").await;
    let (by_host, by_target) = (host(&app, "by-host"), host(&app, "by-target"));

    let other =
        format!("GET http://{by_target}/api/v1/status/health HTTP/1.1\r\nHost: {by_host}\r\n\r\n");
    let answer = send(&app, &other).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(
        answer.json()["detail"],
        "The request target names another host than the Host header."
    );

    let same =
        format!("GET http://{by_host}/api/v1/status/health HTTP/1.1\r\nHost: {by_host}\r\n\r\n");
    let answer = send(&app, &same).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["instance_id"], named_by_host.as_str());
    app.stop().await;
}

#[tokio::test]
async fn connect_is_refused_at_the_router_and_opens_no_tunnel() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ready(&app, "no-tunnel", "NoTunnelCH").await;
    let instance = host(&app, "no-tunnel");
    let answer = send(
        &app,
        &format!("CONNECT {instance} HTTP/1.1\r\nHost: {instance}\r\n\r\n"),
    )
    .await;
    assert_eq!(answer.status, 405, "{answer:?}");
    assert!(
        answer.head.to_ascii_lowercase().contains("\r\nallow: get"),
        "{answer:?}"
    );
    assert!(answer.body.contains("does not open tunnels"), "{answer:?}");
    app.stop().await;
}
