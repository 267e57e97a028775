// Each benchmark binary uses a different part of this module.
#![allow(dead_code)]

//! The real service on port 0 with a temporary SQLite database, for benchmarks.

pub mod hooks;

use partner_api::cli::StorageArgs;
use partner_api::config::ServeArgs;
use partner_api::startup::{self, App};
use std::path::PathBuf;
use std::time::Duration;

pub const SANDBOX_KEY: &str = "LRoWRCjm1bdwlqDjfdYw";

pub fn serve_args() -> ServeArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ServeArgs,
    }
    let mut args = Wrapper::parse_from(["bench"]).args;
    args.listen = "127.0.0.1:0".parse().expect("address");
    args.router_listen = "127.0.0.1:0".parse().expect("address");
    args.webhook_allowed_networks = vec!["127.0.0.0/8".parse().expect("network")];
    args.rate_limit = 0;
    args.inbox_bin = Some(inbox_bin());
    args
}

/// The `inbox` binary of this build profile, next to `partner-api`. `cargo bench -p partner-api`
/// builds only this package, so the binary is built (or brought up to date) here first: every
/// benchmark runs as `cargo bench -p partner-api --bench <name>` alone.
pub fn inbox_bin() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_partner-api")).with_file_name("inbox");
    let profile = match path.parent().and_then(|dir| dir.file_name()) {
        Some(dir) if dir == "debug" => "dev".to_owned(),
        Some(dir) => dir.to_string_lossy().into_owned(),
        None => "release".to_owned(),
    };
    let command = format!("cargo build --profile {profile} -p inbox");
    eprintln!("bringing {} up to date: {command}", path.display());
    // Into the target directory this benchmark was built in, wherever that is.
    let target_dir = path
        .parent()
        .and_then(std::path::Path::parent)
        .expect("a target directory");
    let built = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--profile",
            &profile,
            "-p",
            "inbox",
            "--target-dir",
        ])
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status();
    match built {
        Ok(status) if status.success() && path.exists() => path,
        outcome => panic!(
            "the benchmark needs {} and `{command}` did not build it ({outcome:?}); run it yourself and retry",
            path.display()
        ),
    }
}

pub async fn start(dir: &std::path::Path, args: &ServeArgs) -> App {
    let storage = StorageArgs {
        data_dir: dir.join("data"),
        database_url: None,
        secret_key: None,
        secret_key_file: None,
    };
    startup::start(&storage, args)
        .await
        .expect("the service starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(2000)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

/// p50, p99 and max of a set of durations, in milliseconds.
pub fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let at = |q: f64| {
        samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.99), at(1.0))
}

/// Resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
