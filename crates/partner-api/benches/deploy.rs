//! Issue 3: time from the create call to the `token` event at the partner's webhook, for 50
//! instances created one after another and 50 created at once, and the resident memory of an
//! idle `inbox` process.
//!
//! Run: `cargo build --release --workspace && cargo bench -p partner-api --bench deploy`

mod common;

use axum::extract::{Path, State};
use axum::routing::post;
use common::{client, percentiles, rss_kib, start, SANDBOX_KEY};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

const COUNT: usize = 50;

#[derive(Clone, Default)]
struct Receiver {
    arrived: Arc<Mutex<HashMap<String, Instant>>>,
    notify: Arc<Notify>,
}

async fn hook(State(receiver): State<Receiver>, Path(name): Path<String>) -> &'static str {
    receiver
        .arrived
        .lock()
        .expect("lock")
        .entry(name)
        .or_insert_with(Instant::now);
    receiver.notify.notify_waiters();
    "ok"
}

impl Receiver {
    async fn wait(&self, name: &str) -> Instant {
        loop {
            let notified = self.notify.notified();
            if let Some(at) = self.arrived.lock().expect("lock").get(name) {
                return *at;
            }
            let _ = tokio::time::timeout(Duration::from_secs(30), notified).await;
        }
    }
}

async fn create(http: &reqwest::Client, base: &str, hooks: &str, name: &str) -> Instant {
    let started = Instant::now();
    let response = http
        .post(format!("{base}/v1/instances"))
        .bearer_auth(SANDBOX_KEY)
        .json(
            &json!({"channel_id": name, "subdomain": name.to_lowercase(),
            "configurator": {"user_name": "svc", "webhook_url": format!("{hooks}/hook/{name}")}}),
        )
        .send()
        .await
        .expect("create");
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
    started
}

fn inbox_pids() -> Vec<u32> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let parent = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.split(' ').nth(1).map(str::to_owned));
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            parent.as_deref() == Some(me.as_str()) && exe.ends_with("inbox")
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let receiver = Receiver::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hooks = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new()
        .route("/hook/{name}", post(hook))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().expect("tempdir");
    let service = start(dir.path(), &common::serve_args()).await;
    let base = format!("http://{}", service.api_addr);
    let http = client();

    let mut one_by_one = Vec::new();
    for i in 0..COUNT {
        let name = format!("Seq{i}");
        let started = create(&http, &base, &hooks, &name).await;
        one_by_one.push(receiver.wait(&name).await.duration_since(started));
    }
    let (p50, p99, max) = percentiles(one_by_one);
    println!("{COUNT} one after another, create → token event: p50 {p50:.0} ms  p99 {p99:.0} ms  max {max:.0} ms");

    let started_all = Instant::now();
    let creates = (0..COUNT).map(|i| {
        let (http, base, hooks) = (http.clone(), base.clone(), hooks.clone());
        async move {
            let name = format!("Par{i}");
            (create(&http, &base, &hooks, &name).await, name)
        }
    });
    let started: Vec<(Instant, String)> = futures::future::join_all(creates).await;
    let mut at_once = Vec::new();
    for (at, name) in &started {
        at_once.push(receiver.wait(name).await.duration_since(*at));
    }
    let all_ready = started_all.elapsed();
    let (p50, p99, max) = percentiles(at_once);
    println!("{COUNT} at once, create → token event:          p50 {p50:.0} ms  p99 {p99:.0} ms  max {max:.0} ms; all {COUNT} within {:.2} s", all_ready.as_secs_f64());

    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut rss: Vec<u64> = inbox_pids().into_iter().filter_map(rss_kib).collect();
    rss.sort_unstable();
    if let (Some(min), Some(max)) = (rss.first(), rss.last()) {
        let median = rss[rss.len() / 2];
        println!("idle inbox resident memory over {} processes: median {:.1} MiB  min {:.1} MiB  max {:.1} MiB",
            rss.len(), median as f64 / 1024.0, *min as f64 / 1024.0, *max as f64 / 1024.0);
    }
    service.stop().await.expect("stop");
}
