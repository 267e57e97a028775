//! dockerd restarted under a running control plane: its containers come back (on new ports) and
//! the router follows them.

use crate::docker_replicas::Replica;
use crate::engine::{self, build_image, docker_on, IMAGE};
use crate::private_dockerd::PrivateDockerd;
use crate::process::{client, create, health_via_router, start_serve_with_env, wait_ready};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Whether the router sends `subdomain` to the instance `id` itself (not to another instance that
/// took its old port) within `limit`.
async fn reaches_within(router: &str, subdomain: &str, id: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let port = router.rsplit(':').next().unwrap();
    while Instant::now() < deadline {
        let answer = client()
            .get(format!("http://{router}/api/v1/status/health"))
            .header("Host", format!("{subdomain}.inbox.localhost:{port}"))
            .send()
            .await;
        if let Ok(response) = answer {
            let body: Value = response.json().await.unwrap_or_default();
            if body["instance_id"] == id {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// The `127.0.0.1:PORT` the control plane recorded, and the one the engine publishes now.
async fn recorded_and_published(
    data_dir: &std::path::Path,
    id: &str,
    env: &[(&str, &str)],
) -> (String, String) {
    let storage = partner_api::cli::StorageArgs {
        data_dir: data_dir.to_owned(),
        database_url: None,
        secret_key: None,
        secret_key_file: None,
    };
    let db = storage.open(1).await.unwrap();
    let recorded: Option<String> =
        sqlx::query_scalar("SELECT endpoint FROM instances WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    db.close().await;
    let published = docker_on(env, &["port", &format!("inbox-{id}"), "8080/tcp"]).unwrap();
    (
        recorded.unwrap_or_default(),
        published.lines().next().unwrap_or_default().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_instances_answer_through_the_router_again_after_dockerd_restarts() {
    let Some(()) = engine::available() else {
        return;
    };
    let mut daemon = PrivateDockerd::start();
    let host = daemon.host();
    let env = [("DOCKER_HOST", host.as_str())];
    build_image(&env).expect("the image builds on the test's dockerd");
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<String> = [
        "--driver",
        "docker",
        "--container-image",
        IMAGE,
        "--reconcile-interval-seconds",
        "1",
    ]
    .map(str::to_owned)
    .to_vec();
    let serve = Replica(start_serve_with_env(dir.path(), &args, &env));
    let data_dir = dir.path();
    let mut instances = Vec::new();
    for subdomain in ["restart-a", "restart-b", "restart-c"] {
        let id = create(
            &serve.0.api,
            json!({"channel_id": subdomain.replace('-', ""), "subdomain": subdomain}),
        )
        .await;
        wait_ready(&serve.0.api, &id).await;
        assert_eq!(health_via_router(&serve.0.router, subdomain).await, 200);
        let (_, before) = recorded_and_published(data_dir, &id, &env).await;
        instances.push((subdomain, id, before));
    }

    daemon.restart();
    let restarted_at = Instant::now();
    for (subdomain, id, before) in &instances {
        assert!(
            reaches_within(&serve.0.router, subdomain, id, Duration::from_secs(30)).await,
            "{subdomain} answers through the router after the restart"
        );
        let (recorded, published) = recorded_and_published(data_dir, id, &env).await;
        assert_eq!(
            recorded, published,
            "the endpoint recorded is where the engine publishes it now"
        );
        eprintln!("{subdomain}: {before} before the restart, {published} after");
    }
    eprintln!(
        "all instances answer {:?} after dockerd restarted",
        restarted_at.elapsed()
    );
}
