//! `--driver docker` against the real engine: what runs, how it is reached, what is left after.

use crate::engine::{self, containers_of, docker, volume_exists, Cleanup, IMAGE};
use crate::support::{Backend, TestApp, SANDBOX_KEY};
use partner_api::config::{DriverKind, ServeArgs};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub async fn docker_app(configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, |args| {
        args.driver = DriverKind::Docker;
        args.container_image = IMAGE.to_owned();
        configure(args);
    })
    .await
}

pub fn inspect(name: &str) -> Value {
    let raw = docker(&["inspect", "--format", "{{json .}}", name]).expect("docker inspect");
    serde_json::from_str(&raw).unwrap()
}

/// Mode and owner of a file in a container, read from the tar the archive API answers.
fn file_mode_and_owner(container: &str, path: &str) -> (u32, u64) {
    let output = std::process::Command::new("docker")
        .args(["cp", &format!("{container}:{path}"), "-"])
        .output()
        .unwrap();
    let mut archive = tar::Archive::new(output.stdout.as_slice());
    let entry = archive.entries().unwrap().next().unwrap().unwrap();
    let header = entry.header();
    (header.mode().unwrap() & 0o7777, header.uid().unwrap())
}

/// Creates an instance as the sandbox partner, tracked for clean-up, and waits until it is ready.
pub async fn create_ready(app: &TestApp, cleanup: &Cleanup, body: Value) -> String {
    let id = app.create(body).await["id"].as_str().unwrap().to_owned();
    cleanup.track(&id);
    app.wait_for(&id, "ready").await;
    id
}

/// `DELETE /v1/instances/{id}` → 202, then waits until it is `deleted`.
pub async fn delete(app: &TestApp, id: &str) {
    let path = format!("/v1/instances/{id}");
    let response = app
        .request(Method::DELETE, &path, SANDBOX_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    app.wait_for(id, "deleted").await;
}

/// Polls the router until the instance answers its health check, for up to `secs`.
pub async fn answers_within(app: &TestApp, subdomain: &str, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        let health = app.via_router(subdomain, "/api/v1/status/health").await;
        if health.status() == 200 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_on_docker_is_a_labelled_limited_container_on_loopback_and_delete_leaves_nothing(
) {
    let Some(()) = engine::available() else {
        return;
    };
    let cleanup = Cleanup::default();
    let app = docker_app(|_| {}).await;
    let id = create_ready(
        &app,
        &cleanup,
        json!({"channel_id": "DockCH1", "subdomain": "dock-one"}),
    )
    .await;
    let id = id.as_str();
    let health = app.via_router("dock-one", "/api/v1/status/health").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap()["instance_id"], id);

    let name = format!("inbox-{id}");
    let container = inspect(&name);
    let labels = &container["Config"]["Labels"];
    assert_eq!(labels["io.partner-api.managed"], "true");
    assert_eq!(labels["io.partner-api.instance"], id);
    assert_eq!(labels["io.partner-api.partner"], "sandbox");
    let host = &container["HostConfig"];
    assert_eq!(host["RestartPolicy"]["Name"], "unless-stopped");
    assert_eq!(host["Memory"], 64 * 1024 * 1024, "default memory limit");
    assert_eq!(host["NanoCpus"], 500_000_000, "default CPU limit");
    let published = container["NetworkSettings"]["Ports"]["8080/tcp"]
        .as_array()
        .unwrap();
    assert!(
        published.iter().all(|b| b["HostIp"] == "127.0.0.1"),
        "published on loopback only: {published:?}"
    );
    assert_eq!(container["Mounts"][0]["Name"], format!("inbox-{id}-data"));
    assert_eq!(container["Mounts"][0]["Destination"], "/data");
    assert!(
        container["HostConfig"]["Binds"].is_null(),
        "no host folder is mounted"
    );
    assert_eq!(
        file_mode_and_owner(&name, "/boot/bootstrap.json"),
        (0o600, 65534),
        "the bootstrap is readable by the instance's user alone"
    );

    delete(&app, id).await;
    assert!(containers_of(id).is_empty(), "the container is gone");
    assert!(!volume_exists(id), "the volume is gone");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_killed_from_outside_runs_again_within_seconds_and_the_instance_stays_ready() {
    let Some(()) = engine::available() else {
        return;
    };
    let cleanup = Cleanup::default();
    let app = docker_app(|_| {}).await;
    let id = create_ready(
        &app,
        &cleanup,
        json!({"channel_id": "DockCH2", "subdomain": "dock-kill"}),
    )
    .await;

    docker(&["kill", &format!("inbox-{id}")]).unwrap();
    let killed_at = Instant::now();
    assert!(
        answers_within(&app, "dock-kill", 15).await,
        "the instance answers through the router again"
    );
    eprintln!(
        "answering again {:?} after docker kill",
        killed_at.elapsed()
    );
    let (_, instance) = crate::support::json(
        app.get(&format!("/v1/instances/{id}"), crate::support::SANDBOX_KEY)
            .await,
    )
    .await;
    assert_eq!(instance["status"], "ready");
    assert_eq!(containers_of(&id).len(), 1, "the same single container");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_container_is_stopped_keeps_its_data_and_starts_again_on_the_next_request() {
    let Some(()) = engine::available() else {
        return;
    };
    let cleanup = Cleanup::default();
    let app = docker_app(|args| args.instance_idle_seconds = 1).await;
    let id = create_ready(
        &app,
        &cleanup,
        json!({"channel_id": "DockCH3", "subdomain": "dock-sleep"}),
    )
    .await;
    let container = format!("inbox-{id}");
    let running = || inspect(&container)["State"]["Running"] == true;

    let deadline = Instant::now() + Duration::from_secs(30);
    while running() {
        assert!(
            Instant::now() < deadline,
            "the idle container never stopped"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, instance) =
        crate::support::json(app.get(&format!("/v1/instances/{id}"), SANDBOX_KEY).await).await;
    assert_eq!(
        (instance["status"].clone(), instance["awake"].clone()),
        (json!("ready"), json!(false))
    );
    assert_eq!(containers_of(&id).len(), 1, "stopped, not removed");

    let health = app.via_router("dock-sleep", "/api/v1/status/health").await;
    assert_eq!(health.status(), 200, "the first request wakes it");
    assert!(running());
    assert_eq!(containers_of(&id).len(), 1, "the same single container");
    app.stop().await;
}
