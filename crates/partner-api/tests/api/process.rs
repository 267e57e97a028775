//! The `partner-api` binary as an operator runs it.

use crate::processes::{eventually, inbox_pids};
use crate::support::{inbox_bin, partner_api_bin, script, Backend, PostgresDatabase, SANDBOX_KEY};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A `partner-api serve` child process and the addresses it logged.
pub struct Serve {
    pub child: Child,
    pub api: String,
    pub router: String,
    /// Whether a log line carried a terminal escape code (it must not: stderr is a pipe here).
    pub coloured: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Starts `partner-api serve` on free ports with `extra` arguments.
pub fn start_serve(data_dir: &std::path::Path, extra: &[String]) -> Serve {
    start_serve_with_env(data_dir, extra, &[])
}

/// The same with extra environment variables (e.g. `DOCKER_HOST`) for this child alone.
pub fn start_serve_with_env(
    data_dir: &std::path::Path,
    extra: &[String],
    env: &[(&str, &str)],
) -> Serve {
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
        .args(extra)
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let coloured = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = coloured.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains('\u{1b}') {
                seen.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            for (prefix, marker) in [
                ("api", "partner API listening on http://"),
                ("router", "instance router listening on http://"),
            ] {
                if let Some(rest) = line.split(marker).nth(1) {
                    let _ = tx.send((
                        prefix,
                        rest.split_whitespace().next().unwrap_or("").to_owned(),
                    ));
                }
            }
        }
    });
    let mut api = String::new();
    let mut router = String::new();
    while api.is_empty() || router.is_empty() {
        let (which, addr) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("serve logs its addresses");
        if which == "api" {
            api = addr
        } else {
            router = addr
        }
    }
    Serve {
        child,
        api,
        router,
        coloured,
    }
}

fn spawn_serve(data_dir: &std::path::Path) -> (Child, String) {
    let serve = start_serve(data_dir, &[]);
    (serve.child, serve.api)
}

pub fn terminate(child: &Child) {
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
    let serve = start_serve(&data_dir, &[]);
    let (mut child, addr) = (serve.child, serve.api);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let health = client.get(format!("http://{addr}/")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    eprintln!("answered / {:?} after spawn", started.elapsed());
    assert!(data_dir.join("partner-api.db").exists());
    assert!(data_dir.join("secret.key").exists());
    terminate(&child);
    assert!(child.wait().unwrap().success());
    assert!(
        !serve.coloured.load(std::sync::atomic::Ordering::SeqCst),
        "a log that is not a terminal gets no colour codes"
    );
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

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn create(api: &str, body: Value) -> String {
    let response = client()
        .post(format!("http://{api}/v1/instances"))
        .bearer_auth(SANDBOX_KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn wait_ready(api: &str, id: &str) -> Value {
    wait_status(api, id, "ready").await
}

/// `GET …?wait_for=STATUS` (up to 30 s), asserting the instance reached it.
pub async fn wait_status(api: &str, id: &str, status: &str) -> Value {
    let url = format!("http://{api}/v1/instances/{id}?wait_for={status}&timeout=30");
    let instance: Value = client()
        .get(url)
        .bearer_auth(SANDBOX_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(instance["status"], status, "{instance}");
    instance
}

pub async fn health_via_router(router: &str, subdomain: &str) -> u16 {
    let port = router.rsplit(':').next().unwrap();
    match client()
        .get(format!("http://{router}/api/v1/status/health"))
        .header("Host", format!("{subdomain}.inbox.localhost:{port}"))
        .send()
        .await
    {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

/// Arguments for a `serve` on `backend`, and the database it needs kept alive.
async fn backend_args(backend: Backend) -> (Vec<String>, Option<PostgresDatabase>) {
    match backend {
        Backend::Sqlite => (Vec::new(), None),
        Backend::Postgres => {
            let db = PostgresDatabase::create().await;
            (vec!["--database-url".to_owned(), db.url.clone()], Some(db))
        }
    }
}

async fn token_events(data_dir: &std::path::Path, database_url: Option<String>, id: &str) -> i64 {
    let storage = partner_api::cli::StorageArgs {
        data_dir: data_dir.to_owned(),
        database_url,
        secret_key: None,
        secret_key_file: None,
    };
    let db = storage.open(1).await.unwrap();
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE instance_id = $1 AND kind = 'token'")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    db.close().await;
    count
}

async fn a_deployment_interrupted_by_kill_9_completes_after_restart_exactly_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (mut args, _db) = backend_args(backend).await;
    let database_url = args.get(1).cloned();
    let slow = script(
        dir.path(),
        "slow-inbox",
        &format!("sleep 1\nexec {} \"$@\"", inbox_bin().display()),
    );
    args.extend([
        "--inbox-bin".to_owned(),
        slow.display().to_string(),
        "--job-lease-seconds".into(),
        "2".into(),
    ]);
    let data_dir = dir.path().join("data");
    let mut serve = start_serve(&data_dir, &args);
    let id = create(
        &serve.api,
        json!({"channel_id": "CrashCH", "subdomain": "crash",
        "configurator": {"user_name": "svc", "webhook_url": "http://127.0.0.1:9/hook"}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    serve.child.kill().unwrap();
    serve.child.wait().unwrap();
    assert!(
        eventually(5, || inbox_pids(&id).is_empty()).await,
        "nothing of the interrupted deployment keeps running"
    );

    let mut restarted = start_serve(&data_dir, &args);
    let ready = wait_ready(&restarted.api, &id).await;
    assert_eq!(ready["errors"], json!([]));
    assert_eq!(health_via_router(&restarted.router, "crash").await, 200);
    assert_eq!(inbox_pids(&id).len(), 1, "exactly one instance process");
    assert_eq!(
        token_events(&data_dir, database_url, &id).await,
        1,
        "exactly one token event queued"
    );
    terminate(&restarted.child);
    assert!(restarted.child.wait().unwrap().success());
}

async fn ready_instances_answer_again_within_seconds_after_serve_is_killed_and_restarted(
    backend: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let (args, _db) = backend_args(backend).await;
    let data_dir = dir.path().join("data");
    let mut serve = start_serve(&data_dir, &args);
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = create(
            &serve.api,
            json!({"channel_id": format!("KillCH{i}"), "subdomain": format!("kill{i}")}),
        )
        .await;
        wait_ready(&serve.api, &id).await;
        ids.push(id);
    }
    serve.child.kill().unwrap();
    serve.child.wait().unwrap();
    assert!(
        eventually(5, || ids.iter().all(|id| inbox_pids(id).is_empty())).await,
        "instances exit with their parent: no stale process or port"
    );

    let mut restarted = start_serve(&data_dir, &args);
    let restarted_at = Instant::now();
    for i in 0..3 {
        let mut status = 0;
        while restarted_at.elapsed() < Duration::from_secs(5) {
            status = health_via_router(&restarted.router, &format!("kill{i}")).await;
            if status == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            status, 200,
            "kill{i} answers its health check within 5 s of the restart"
        );
    }
    eprintln!(
        "all instances healthy {:?} after the restart",
        restarted_at.elapsed()
    );
    assert!(
        ids.iter().all(|id| inbox_pids(id).len() == 1),
        "one process each"
    );
    terminate(&restarted.child);
    assert!(restarted.child.wait().unwrap().success());
    assert!(
        eventually(5, || ids.iter().all(|id| inbox_pids(id).is_empty())).await,
        "a graceful stop stops the instances"
    );
}

crate::on_both_backends!(
    a_deployment_interrupted_by_kill_9_completes_after_restart_exactly_once,
    ready_instances_answer_again_within_seconds_after_serve_is_killed_and_restarted,
);

#[test]
fn serve_without_the_instance_binary_refuses_to_start_and_says_how_to_build_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(partner_api_bin())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--router-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .arg("--inbox-bin")
        .arg(dir.path().join("no-such-inbox"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no-such-inbox") && stderr.contains("cargo build --release --workspace"),
        "{stderr}"
    );
}
