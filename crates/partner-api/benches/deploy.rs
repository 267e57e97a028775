//! Issue 3: time from the create call to the `token` event at the partner's webhook, for 50
//! instances created one after another and 50 created at once, and the resident memory of an
//! idle `inbox` process.
//!
//! Run: `cargo build --release --workspace && cargo bench -p partner-api --bench deploy`

mod common;

use common::hooks::{create, inbox_pids, start_receiver};
use common::{client, percentiles, rss_kib, start};
use std::time::{Duration, Instant};

const COUNT: usize = 50;

#[tokio::main]
async fn main() {
    let (receiver, hooks) = start_receiver().await;

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
