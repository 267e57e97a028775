//! Issue 12: thousands of instances on one machine, asleep while idle. Creates them (the first
//! and last 100 one after another, the rest 32 creates in flight), lets them fall asleep
//! (`--instance-idle-seconds 5`), wakes 200 at random through the router, and prints: the time
//! until all are ready, create → `token` event for the first and the last 100, memory once all
//! sleep, wake latency, and the memory of an awake idle instance (its resident set, and the part
//! of it that is its own: the binary's pages are shared by all).
//!
//! Run: `cargo build --release --workspace && cargo bench -p partner-api --bench sleep`
//! (`SLEEP_BENCH_INSTANCES` sets how many; 10,000 by default).

mod common;

use common::hooks::{create, inbox_pids, start_receiver};
use common::{client, percentiles, rss_kib, start};
use futures::StreamExt;
use rand::seq::SliceRandom;
use std::time::{Duration, Instant};

const WAKES: usize = 200;
const IN_FLIGHT: usize = 32;

/// Private (not shared) resident memory of a process, in KiB.
fn private_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| -> Option<u64> {
        rollup
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some(field("Private_Clean:")? + field("Private_Dirty:")?)
}

fn median_mib(mut kib: Vec<u64>) -> f64 {
    kib.sort_unstable();
    kib.get(kib.len() / 2).copied().unwrap_or(0) as f64 / 1024.0
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::var("SLEEP_BENCH_INSTANCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let (receiver, hooks) = start_receiver().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = common::serve_args();
    // Long enough that the woken instances are measured awake and quiet, short enough to wait for.
    args.instance_idle_seconds = 5;
    let service = start(dir.path(), &args).await;
    let base = format!("http://{}", service.api_addr);
    let router = service.router_addr;
    let http = client();

    let names: Vec<String> = (0..count).map(|i| format!("Zz{i}")).collect();
    let edge = 100.min(count / 3);
    let started_all = Instant::now();
    // The first and the last 100 one after another, the rest 32 at a time in between: what a
    // create costs with none and with thousands of instances already there.
    let one_by_one = |names: &[String]| {
        let (http, base, hooks, receiver) = (http.clone(), base.clone(), hooks.clone(), &receiver);
        let names = names.to_vec();
        async move {
            let mut to_token = Vec::with_capacity(names.len());
            for name in &names {
                let at = create(&http, &base, &hooks, name).await;
                to_token.push(receiver.wait(name).await.duration_since(at));
            }
            to_token
        }
    };
    let first = percentiles(one_by_one(&names[..edge]).await);
    let middle = &names[edge..count - edge];
    let created: Vec<(String, Instant)> = futures::stream::iter(middle.iter().cloned())
        .map(|name| {
            let (http, base, hooks) = (http.clone(), base.clone(), hooks.clone());
            async move {
                let at = create(&http, &base, &hooks, &name).await;
                (name, at)
            }
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    for (name, _) in &created {
        receiver.wait(name).await;
    }
    let last = percentiles(one_by_one(&names[count - edge..]).await);
    let all_ready = started_all.elapsed();
    println!(
        "{count} instances: all ready within {:.1} s; create → token one after another, p50 {:.0} ms for the first {edge}, {:.0} ms for the last {edge} (p99 {:.0} / {:.0} ms)",
        all_ready.as_secs_f64(),
        first.0,
        last.0,
        first.1,
        last.1
    );

    let waited = Instant::now();
    while !inbox_pids().is_empty() {
        assert!(
            waited.elapsed() < Duration::from_secs(300),
            "{} instances still awake after 300 s",
            inbox_pids().len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let control_plane = rss_kib(std::process::id()).unwrap_or(0) as f64 / 1024.0;
    println!(
        "all {count} asleep {:.1} s after the last was ready: 0 instance processes; the control plane (API, router, workers, {count} routes) {control_plane:.0} MiB resident",
        waited.elapsed().as_secs_f64()
    );

    let mut chosen: Vec<&String> = names.iter().collect();
    chosen.shuffle(&mut rand::thread_rng());
    let mut wakes = Vec::with_capacity(WAKES);
    for name in chosen.into_iter().take(WAKES) {
        let woke = Instant::now();
        let answer = http
            .get(format!("http://{router}/api/v1/status/health"))
            .header(
                "Host",
                format!("{}.inbox.localhost:{}", name.to_lowercase(), router.port()),
            )
            .send()
            .await
            .expect("a woken instance answers");
        assert_eq!(answer.status(), 200, "{name}");
        wakes.push(woke.elapsed());
    }
    let (p50, p99, max) = percentiles(wakes);
    println!("wake through the router, {WAKES} random instances one after another: p50 {p50:.1} ms  p99 {p99:.1} ms  max {max:.1} ms");

    // An instance gives its code pages back one to two seconds after its last request.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let pids = inbox_pids();
    let rss: Vec<u64> = pids.iter().filter_map(|p| rss_kib(*p)).collect();
    let private: Vec<u64> = pids.iter().filter_map(|p| private_kib(*p)).collect();
    println!(
        "awake idle instance, quiet after its wake, median of {}: {:.1} MiB resident, of which {:.1} MiB its own (the rest the shared binary and libraries)",
        pids.len(),
        median_mib(rss),
        median_mib(private)
    );
    service.stop().await.expect("stop");
}
