//! The `partner-api` binary as an operator runs it.

use crate::support::{partner_api_bin, SANDBOX_KEY};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Starts `partner-api serve` on free ports and returns it with the API's address, read from its log.
fn spawn_serve(data_dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(partner_api_bin())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--router-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data_dir)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                let _ = tx.send(addr.split_whitespace().next().unwrap_or("").to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("serve logs its address");
    (child, addr)
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn serve_on_an_empty_data_directory_answers_and_creates_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("fresh");
    let started = Instant::now();
    let (mut child, addr) = spawn_serve(&data_dir);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let health = client.get(format!("http://{addr}/")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    eprintln!("answered / {:?} after spawn", started.elapsed());
    assert!(data_dir.join("partner-api.db").exists());
    assert!(data_dir.join("secret.key").exists());
    terminate(&child);
    assert!(child.wait().unwrap().success());
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_serve(dir.path());
    let body = br#"{"channel_id": "inflight1", "subdomain": "in-flight"}"#;
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /v1/instances HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {SANDBOX_KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    terminate(&child);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "still finishing the request in flight"
    );
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "no longer accepting"
    );

    stream.write_all(&body[10..]).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("in-flight.inbox.localhost"), "{answer}");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}
