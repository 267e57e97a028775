//! Issue 4: the latency of `GET /v1/instances/{id}` while 1,000 clients hold a `wait_for` long
//! poll, and how fast all of them answer when the state they wait for arrives.
//!
//! Run: `cargo build --release --workspace && cargo bench -p partner-api --bench wait_for`

mod common;

use common::{client, percentiles, start, SANDBOX_KEY};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const WAITERS: usize = 1000;
const PROBES: usize = 500;

async fn probe_latency(http: &reqwest::Client, url: &str) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(PROBES);
    for _ in 0..PROBES {
        let started = Instant::now();
        let response = http
            .get(url)
            .bearer_auth(SANDBOX_KEY)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200);
        response.bytes().await.expect("body");
        samples.push(started.elapsed());
    }
    samples
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = start(dir.path(), &common::serve_args()).await;
    let base = format!("http://{}", app.api_addr);
    let http = client();
    let mut ids = Vec::new();
    for i in 0..10 {
        let created: Value = http
            .post(format!("{base}/v1/instances"))
            .bearer_auth(SANDBOX_KEY)
            .json(&json!({"channel_id": format!("BenchWait{i}")}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        let id = created["id"].as_str().expect("id").to_owned();
        http.get(format!(
            "{base}/v1/instances/{id}?wait_for=ready&timeout=30"
        ))
        .bearer_auth(SANDBOX_KEY)
        .send()
        .await
        .expect("wait");
        ids.push(id);
    }
    let probe_url = format!("{base}/v1/instances/{}", ids[0]);
    let (p50, p99, max) = percentiles(probe_latency(&http, &probe_url).await);
    println!("GET /v1/instances/{{id}} with no waiters:      p50 {p50:.2} ms  p99 {p99:.2} ms  max {max:.2} ms");

    let mut waiters = tokio::task::JoinSet::new();
    for n in 0..WAITERS {
        let url = format!(
            "{base}/v1/instances/{}?wait_for=deleted&timeout=60",
            ids[n % ids.len()]
        );
        let http = http.clone();
        waiters.spawn(async move {
            let response = http
                .get(url)
                .bearer_auth(SANDBOX_KEY)
                .send()
                .await
                .expect("wait");
            let instance: Value = response.json().await.expect("json");
            (
                Instant::now(),
                instance["status"].as_str().unwrap_or("").to_owned(),
            )
        });
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (p50, p99, max) = percentiles(probe_latency(&http, &probe_url).await);
    println!("GET /v1/instances/{{id}} with {WAITERS} waiting:  p50 {p50:.2} ms  p99 {p99:.2} ms  max {max:.2} ms");

    let deleted_at = Instant::now();
    for id in &ids {
        http.delete(format!("{base}/v1/instances/{id}"))
            .bearer_auth(SANDBOX_KEY)
            .send()
            .await
            .expect("delete");
    }
    let mut answered = Vec::new();
    while let Some(result) = waiters.join_next().await {
        let (at, status) = result.expect("waiter");
        assert_eq!(status, "deleted");
        answered.push(at.duration_since(deleted_at));
    }
    let (p50, p99, max) = percentiles(answered);
    println!("{WAITERS} waiters answered after the deletes began: p50 {p50:.0} ms  p99 {p99:.0} ms  max {max:.0} ms");
    app.stop().await.expect("stop");
}
