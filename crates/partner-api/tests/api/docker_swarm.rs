//! `--driver swarm` on a single-node swarm this test makes: what runs, how it is reached without
//! the ingress mesh, what happens when its task dies, and what is left after a delete.

use crate::docker_driver::{answers_within, create_ready, delete};
use crate::engine::{self, containers_of, docker, volume_exists, Cleanup, SingleNodeSwarm, IMAGE};
use crate::support::{Backend, TestApp};
use partner_api::config::{DriverKind, ServeArgs};
use serde_json::{json, Value};
use std::time::Instant;

/// The service on the swarm driver with the test image, configured further by `configure`.
async fn swarm_app(configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, |args| {
        args.driver = DriverKind::Swarm;
        args.container_image = IMAGE.to_owned();
        configure(args);
    })
    .await
}

fn service(name: &str) -> Value {
    let raw = docker(&["service", "inspect", "--format", "{{json .}}", name])
        .expect("docker service inspect");
    serde_json::from_str(&raw).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_on_swarm_is_one_labelled_replica_reached_without_publishing_and_delete_leaves_nothing(
) {
    let Some(()) = engine::available() else {
        return;
    };
    let _swarm = SingleNodeSwarm::init().await;
    let cleanup = Cleanup::default();
    let app = swarm_app(|_| {}).await;
    let id = create_ready(
        &app,
        &cleanup,
        json!({"channel_id": "SwarmCH1", "subdomain": "swarm-one"}),
    )
    .await;
    assert_eq!(
        app.via_router("swarm-one", "/api/v1/status/health")
            .await
            .status(),
        200
    );

    let name = format!("inbox-{id}");
    let service = service(&name);
    let spec = &service["Spec"];
    assert_eq!(spec["Labels"]["io.partner-api.instance"], id.as_str());
    assert_eq!(spec["Labels"]["io.partner-api.managed"], "true");
    assert_eq!(spec["Mode"]["Replicated"]["Replicas"], 1);
    let task = &spec["TaskTemplate"];
    assert_eq!(task["Resources"]["Limits"]["MemoryBytes"], 64 * 1024 * 1024);
    assert_eq!(task["Resources"]["Limits"]["NanoCPUs"], 500_000_000);
    assert_eq!(task["RestartPolicy"]["Condition"], "any");
    assert_eq!(
        spec["UpdateConfig"]["Order"], "stop-first",
        "two tasks never share the volume"
    );
    assert!(
        service["Endpoint"]["Ports"]
            .as_array()
            .is_none_or(|p| p.is_empty()),
        "nothing published through the ingress mesh: {}",
        service["Endpoint"]
    );
    let secret = task["ContainerSpec"]["Secrets"][0]["SecretName"]
        .as_str()
        .unwrap();
    assert!(
        secret.starts_with(&format!("inbox-{id}-bootstrap-")),
        "{secret}"
    );
    assert_eq!(task["ContainerSpec"]["Secrets"][0]["File"]["Mode"], 0o400);
    assert!(volume_exists(&id));

    // Swarm replaces a task that dies; the router follows it to its new address.
    let first_task = containers_of(&id);
    docker(&["kill", &first_task[0]]).unwrap();
    let killed_at = Instant::now();
    assert!(
        answers_within(&app, "swarm-one", 30).await,
        "a new task answers"
    );
    eprintln!(
        "a new task answers {:?} after docker kill",
        killed_at.elapsed()
    );

    delete(&app, &id).await;
    assert!(
        docker(&["service", "inspect", &name]).is_err(),
        "the service is gone"
    );
    assert!(
        docker(&["secret", "inspect", secret]).is_err(),
        "the secret is gone"
    );
    assert!(!volume_exists(&id), "the volume is gone");
    assert!(containers_of(&id).is_empty(), "no task container is left");
    app.stop().await;
}

/// The service's replica count, and how many task containers are running.
fn replicas_and_running(name: &str, id: &str) -> (u64, usize) {
    let replicas = service(name)["Spec"]["Mode"]["Replicated"]["Replicas"]
        .as_u64()
        .unwrap();
    let running = engine::ids(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=io.partner-api.instance={id}"),
    ])
    .len();
    (replicas, running)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_instance_on_swarm_scales_to_nothing_keeps_its_volume_and_wakes_on_a_request() {
    let Some(()) = engine::available() else {
        return;
    };
    let _swarm = SingleNodeSwarm::init().await;
    let cleanup = Cleanup::default();
    let app = swarm_app(|args| args.instance_idle_seconds = 1).await;
    let id = create_ready(
        &app,
        &cleanup,
        json!({"channel_id": "SwarmCH3", "subdomain": "swarm-sleep"}),
    )
    .await;
    let name = format!("inbox-{id}");

    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    while replicas_and_running(&name, &id) != (0, 0) {
        assert!(
            Instant::now() < deadline,
            "the idle service never scaled to nothing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (_, instance) = crate::support::json(
        app.get(&format!("/v1/instances/{id}"), crate::support::SANDBOX_KEY)
            .await,
    )
    .await;
    assert_eq!(
        (instance["status"].clone(), instance["awake"].clone()),
        (json!("ready"), json!(false))
    );
    assert!(volume_exists(&id), "asleep, its data stays");

    let health = app.via_router("swarm-sleep", "/api/v1/status/health").await;
    assert_eq!(health.status(), 200, "the first request wakes it");
    app.stop().await;
}
