//! Two `partner-api serve` processes on one PostgreSQL database deploying on one Docker engine (or
//! swarm): each serves what the other started, and a replica killed mid-deployment is replaced.

use crate::engine::{self, containers_of, volume_exists, Cleanup, SingleNodeSwarm, IMAGE};
use crate::process::{
    client, create, health_via_router, start_serve, terminate, wait_ready, wait_status, Serve,
};
use crate::receiver::Receiver;
use crate::support::{PostgresDatabase, SANDBOX_KEY};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LEASE_SECONDS: u64 = 2;

/// A `serve` child that is killed when the test ends, however it ends.
pub struct Replica(pub Serve);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.child.kill();
        let _ = self.0.child.wait();
    }
}

pub fn replica_args(database_url: &str, driver: &str) -> Vec<String> {
    [
        "--database-url",
        database_url,
        "--driver",
        driver,
        "--container-image",
        IMAGE,
        "--webhook-allowed-networks",
        "127.0.0.0/8",
        "--job-lease-seconds",
        &LEASE_SECONDS.to_string(),
        "--job-retry-base-ms",
        "50",
        "--reconcile-interval-seconds",
        "1",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The `token` events the receiver got, waiting up to `secs` for at least one.
async fn token_events(receiver: &Receiver, secs: u64) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let tokens: Vec<Value> = receiver
            .received()
            .iter()
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .filter(|body| body.get("token").is_some())
            .collect();
        if !tokens.is_empty() || Instant::now() >= deadline {
            return tokens;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn delete_and_wait(api: &str, other: &str, id: &str) {
    let response = client()
        .delete(format!("http://{api}/v1/instances/{id}"))
        .bearer_auth(SANDBOX_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    wait_status(other, id, "deleted").await;
}

/// Create on A → ready, answered to `wait_for` by B → the token arrives → delete → nothing left.
async fn create_on_one_replica_wait_on_the_other_and_delete(driver: &str, subdomain: &str) {
    let cleanup = Cleanup::default();
    let dir = tempfile::tempdir().unwrap();
    let database = PostgresDatabase::create().await;
    let receiver = Receiver::start(vec![]).await;
    let args = replica_args(&database.url, driver);
    let a = Replica(start_serve(dir.path(), &args));
    let b = Replica(start_serve(dir.path(), &args));
    let id = create(
        &a.0.api,
        json!({"channel_id": format!("{}CH", subdomain.replace('-', "")), "subdomain": subdomain,
               "configurator": {"user_name": "svc", "webhook_url": receiver.url("/hook")}}),
    )
    .await;
    cleanup.track(&id);
    let ready = wait_ready(&b.0.api, &id).await;
    assert_eq!(ready["errors"], json!([]));
    assert_eq!(
        health_via_router(&b.0.router, subdomain).await,
        200,
        "B's router reaches it"
    );
    assert_eq!(
        health_via_router(&a.0.router, subdomain).await,
        200,
        "A's router reaches it"
    );
    let tokens = token_events(&receiver, 15).await;
    assert_eq!(tokens.len(), 1, "one token event: {tokens:?}");
    assert!(tokens[0]["token"].as_str().is_some_and(|t| !t.is_empty()));

    delete_and_wait(&b.0.api, &a.0.api, &id).await;
    assert!(containers_of(&id).is_empty(), "no container left");
    assert!(!volume_exists(&id), "no volume left");
    terminate(&a.0.child);
    terminate(&b.0.child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_replicas_share_the_work_one_creates_the_other_answers_wait_for_and_deletes() {
    let Some(()) = engine::available() else {
        return;
    };
    create_on_one_replica_wait_on_the_other_and_delete("docker", "twin-docker").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_replicas_share_the_work_one_creates_the_other_answers_wait_for_and_deletes() {
    let Some(()) = engine::available() else {
        return;
    };
    let _swarm = SingleNodeSwarm::init().await;
    create_on_one_replica_wait_on_the_other_and_delete("swarm", "twin-swarm").await;
}

async fn status_in_database(database_url: &str, id: &str) -> Option<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
    sqlx::query_scalar("SELECT status FROM instances WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_replica_killed_during_a_deployment_is_replaced_by_the_other_within_the_lease() {
    let Some(()) = engine::available() else {
        return;
    };
    let cleanup = Cleanup::default();
    let dir = tempfile::tempdir().unwrap();
    let database = PostgresDatabase::create().await;
    let receiver = Receiver::start(vec![]).await;
    let args = replica_args(&database.url, "docker");
    let mut a = Replica(start_serve(dir.path(), &args));
    let id = create(
        &a.0.api,
        json!({"channel_id": "KillRepCH", "subdomain": "kill-replica",
               "configurator": {"user_name": "svc", "webhook_url": receiver.url("/hook")}}),
    )
    .await;
    cleanup.track(&id);
    assert!(
        engine::container_appears(&id, Duration::from_secs(10)).await,
        "replica A starts deploying"
    );
    a.0.child.kill().unwrap();
    a.0.child.wait().unwrap();
    let killed_at = Instant::now();
    assert_eq!(
        status_in_database(&database.url, &id).await.as_deref(),
        Some("deploying"),
        "A died in the middle of the deployment"
    );

    let b = Replica(start_serve(dir.path(), &args));
    let ready = wait_ready(&b.0.api, &id).await;
    let took = killed_at.elapsed();
    eprintln!("B finished the deployment {took:?} after A was killed");
    assert!(took < Duration::from_secs(LEASE_SECONDS + 10), "{took:?}");
    assert_eq!(ready["errors"], json!([]));
    assert_eq!(health_via_router(&b.0.router, "kill-replica").await, 200);
    assert_eq!(containers_of(&id).len(), 1, "one container");
    assert_eq!(
        token_events(&receiver, 15).await.len(),
        1,
        "one token event"
    );
    terminate(&b.0.child);
}
