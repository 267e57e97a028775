//! Issue 7: time from the create call to `ready` for 20 instances on the docker driver and on a
//! single-node swarm, one after another and all at once, and the memory of an idle instance
//! container (its cgroup's usage as `docker stats` shows it, and the RSS of its process).
//!
//! Run: `cargo build --release --workspace && cargo bench -p partner-api --bench drivers`
//! (needs a running dockerd; the swarm half makes this engine a swarm manager and leaves after).

mod common;

use common::{client, percentiles, rss_kib, start, SANDBOX_KEY};
use partner_api::config::DriverKind;
use partner_api::images::ImageKind;
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};

const COUNT: usize = 20;
const IMAGE: &str = "partner-api/inbox:bench";

fn docker(args: &[&str]) -> String {
    let output = Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

async fn create_until_ready(http: &reqwest::Client, base: &str, name: String) -> Duration {
    let started = Instant::now();
    let created: Value = http
        .post(format!("{base}/v1/instances"))
        .bearer_auth(SANDBOX_KEY)
        .json(&json!({"channel_id": name, "subdomain": name.to_lowercase()}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("JSON");
    let id = created["id"].as_str().expect("an id");
    let instance: Value = http
        .get(format!(
            "{base}/v1/instances/{id}?wait_for=ready&timeout=60"
        ))
        .bearer_auth(SANDBOX_KEY)
        .send()
        .await
        .expect("wait_for")
        .json()
        .await
        .expect("JSON");
    assert_eq!(instance["status"], "ready", "{instance}");
    started.elapsed()
}

async fn measure(driver: DriverKind, label: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = common::serve_args();
    args.driver = driver;
    args.container_image = IMAGE.to_owned();
    let service = start(dir.path(), &args).await;
    let base = format!("http://{}", service.api_addr);
    let http = client();

    let mut one_by_one = Vec::new();
    for i in 0..COUNT {
        one_by_one.push(create_until_ready(&http, &base, format!("{label}Seq{i}")).await);
    }
    let (p50, p99, max) = percentiles(one_by_one);
    println!("{label}: {COUNT} one after another, create → ready: p50 {p50:.0} ms  p99 {p99:.0} ms  max {max:.0} ms");

    let started_all = Instant::now();
    let at_once = futures::future::join_all(
        (0..COUNT).map(|i| create_until_ready(&http, &base, format!("{label}Par{i}"))),
    )
    .await;
    let (p50, p99, max) = percentiles(at_once);
    println!("{label}: {COUNT} at once, create → ready:          p50 {p50:.0} ms  p99 {p99:.0} ms  max {max:.0} ms; all within {:.2} s", started_all.elapsed().as_secs_f64());

    tokio::time::sleep(Duration::from_secs(3)).await;
    idle_memory(label);
    service.stop().await.expect("stop");
    remove_everything();
}

/// `docker stats` (cgroup usage less page cache) and the RSS of the `inbox` process, per container.
fn idle_memory(label: &str) {
    let containers = docker(&["ps", "-q", "--filter", "label=io.partner-api.managed=true"]);
    let ids: Vec<&str> = containers.lines().collect();
    let mut stats_args = vec!["stats", "--no-stream", "--format", "{{.MemUsage}}"];
    stats_args.extend(ids.iter().copied());
    let usage = docker(&stats_args);
    let mut rss: Vec<u64> = ids
        .iter()
        .filter_map(|id| {
            docker(&["inspect", "--format", "{{.State.Pid}}", id])
                .parse()
                .ok()
        })
        .filter_map(rss_kib)
        .collect();
    rss.sort_unstable();
    let median_rss = rss.get(rss.len() / 2).copied().unwrap_or_default();
    let first_usage = usage.lines().next().unwrap_or("?");
    println!(
        "{label}: idle instance over {} containers: docker stats {first_usage} (first), process RSS median {:.1} MiB",
        ids.len(),
        median_rss as f64 / 1024.0
    );
}

fn remove_everything() {
    let label = "label=io.partner-api.managed=true";
    for service in docker(&["service", "ls", "-q", "--filter", label]).lines() {
        docker(&["service", "rm", service]);
    }
    for container in docker(&["ps", "-aq", "--filter", label]).lines() {
        docker(&["rm", "-f", container]);
    }
    for volume in docker(&["volume", "ls", "-q", "--filter", label]).lines() {
        docker(&["volume", "rm", "-f", volume]);
    }
    for secret in docker(&["secret", "ls", "-q", "--filter", label]).lines() {
        docker(&["secret", "rm", secret]);
    }
}

#[tokio::main]
async fn main() {
    let inbox = common::inbox_bin();
    let engine = partner_api::deploy::driver::engine::connect()
        .await
        .expect("dockerd answers");
    partner_api::images::build(ImageKind::Instance, &inbox, IMAGE, &[engine])
        .await
        .expect("the image builds (is dockerd running?)");
    measure(DriverKind::Docker, "docker").await;

    let already_swarm = docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]) == "active";
    if !already_swarm {
        docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
    }
    measure(DriverKind::Swarm, "swarm").await;
    if !already_swarm {
        docker(&["swarm", "leave", "--force"]);
    }
}
