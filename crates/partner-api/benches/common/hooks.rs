//! The partner's side of a benchmark: a webhook receiver that notes when each instance's
//! `token` event arrives, the create call that names it, and the `inbox` processes started.

use super::SANDBOX_KEY;
use axum::extract::{Path, State};
use axum::routing::post;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct Receiver {
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
    pub async fn wait(&self, name: &str) -> Instant {
        loop {
            let notified = self.notify.notified();
            if let Some(at) = self.arrived.lock().expect("lock").get(name) {
                return *at;
            }
            let _ = tokio::time::timeout(Duration::from_secs(30), notified).await;
        }
    }
}

pub async fn create(http: &reqwest::Client, base: &str, hooks: &str, name: &str) -> Instant {
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

pub fn inbox_pids() -> Vec<u32> {
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

/// A receiver on a port of its own; answers it and its base URL.
pub async fn start_receiver() -> (Receiver, String) {
    let receiver = Receiver::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hooks = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new()
        .route("/hook/{name}", post(hook))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, hooks)
}
