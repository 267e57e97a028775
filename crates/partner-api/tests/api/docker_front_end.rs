//! `--instance-web-root` and `--instance-cors-origins` on the docker driver: the folder is bound
//! read-only into the container, and a restart with other values replaces the container on the
//! same volume.

use crate::docker_driver::{create_ready, docker_app, inspect};
use crate::engine::{self, Cleanup};
use crate::front_end::{allowed_origin, from_origin, origins, FRONT_END, INDEX};
use reqwest::Method;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

/// A built front-end the container's user may read.
fn readable_front_end() -> tempfile::TempDir {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), INDEX).unwrap();
    std::fs::set_permissions(web.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        web.path().join("index.html"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    web
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_docker_instance_serves_the_mounted_web_root_and_a_restart_with_other_origins_replaces_its_container(
) {
    let Some(()) = engine::available() else {
        return;
    };
    let cleanup = Cleanup::default();
    let web = readable_front_end();
    let root = web.path().to_path_buf();
    let mut app = docker_app(|args| {
        args.instance_web_root = Some(root);
        args.instance_cors_origins = origins(&[FRONT_END]);
    })
    .await;
    let body =
        json!({"subdomain": "dockerfe", "channel_id": "DockerFeCH", "generate_activation": true});
    let id = create_ready(&app, &cleanup, body).await;

    let page = app.via_router("dockerfe", "/").await;
    assert_eq!(page.text().await.unwrap(), INDEX);
    let container = inspect(&format!("inbox-{id}"));
    let mounts = container["Mounts"].as_array().unwrap();
    let web_mount = mounts
        .iter()
        .find(|m| m["Destination"] == "/web")
        .unwrap_or_else(|| panic!("no /web mount: {mounts:?}"));
    assert_eq!(web_mount["RW"], false);
    let first = container["Id"].as_str().unwrap().to_owned();

    let moved = "https://inbox.example.org";
    app.restart_with(|args| args.instance_cors_origins = origins(&[moved]))
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let answer = loop {
        let answer = from_origin(&app, Method::OPTIONS, "dockerfe", "/api/v1/chats/", moved).await;
        if answer.status() == 204 || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    assert_eq!(allowed_origin(&answer).as_deref(), Some(moved));
    let replaced = inspect(&format!("inbox-{id}"));
    assert_ne!(replaced["Id"].as_str().unwrap(), first, "a new container");
    let health: Value = app
        .via_router("dockerfe", "/api/v1/status/health")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        health["instance_id"],
        id.as_str(),
        "the same instance, on its volume"
    );
    let page = app.via_router("dockerfe", "/").await;
    assert_eq!(page.text().await.unwrap(), INDEX);
    app.stop().await;
}
