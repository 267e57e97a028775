//! `GET /v1/instances/{id}?wait_for=`: answered when the state is reached, or when the instance
//! settles elsewhere.

use super::create_as;
use crate::processes::{eventually, inbox_pids};
use crate::support::{json, script, Backend, TestApp, SANDBOX_KEY};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

async fn wait_for_answers_at_once_when_reached_and_when_the_state_changes(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let slow = script(
        app.dir.path(),
        "slow-inbox",
        &format!(
            "sleep 1\nexec {} \"$@\"",
            crate::support::inbox_bin().display()
        ),
    );
    app.restart_with(|args| args.inbox_bin = Some(slow)).await;
    let id = create_as(&app, SANDBOX_KEY, json!({"channel_id": "WaitCH"})).await;
    let started = Instant::now();
    let ready = app.wait_for_as(SANDBOX_KEY, &id, "ready", 30.0).await;
    assert_eq!(
        ready["status"], "ready",
        "the wait ends when the instance becomes ready"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it really waited"
    );

    let started = Instant::now();
    assert_eq!(
        app.wait_for_as(SANDBOX_KEY, &id, "ready", 30.0).await["status"],
        "ready"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "already reached: at once"
    );

    let started = Instant::now();
    let timed_out = app.wait_for_as(SANDBOX_KEY, &id, "deleted", 0.5).await;
    assert_eq!(
        timed_out["status"], "ready",
        "when the time runs out the answer is the current object"
    );
    assert!(started.elapsed() >= Duration::from_millis(450));

    let (status, body) = json(
        app.get(
            &format!("/v1/instances/{id}?wait_for=ready&timeout=61"),
            SANDBOX_KEY,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["detail"][0]["loc"].clone()),
        (422, json!(["query", "timeout"]))
    );
    app.stop().await;
}

async fn a_wait_for_ready_ends_when_the_instance_is_deleted_meanwhile(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let slow = script(
        app.dir.path(),
        "slow-inbox",
        &format!(
            "sleep 3\nexec {} \"$@\"",
            crate::support::inbox_bin().display()
        ),
    );
    app.restart_with(|args| args.inbox_bin = Some(slow)).await;
    let id = create_as(&app, SANDBOX_KEY, json!({"channel_id": "GoneCH"})).await;
    let (waited, deleted) = tokio::join!(app.wait_for_as(SANDBOX_KEY, &id, "ready", 30.0), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        app.request(Method::DELETE, &format!("/v1/instances/{id}"), SANDBOX_KEY)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(deleted, 202);
    assert_eq!(waited["status"], "deleted", "{waited}");
    assert!(waited["deleted_at"].is_string());
    assert!(
        eventually(10, || inbox_pids(&id).is_empty()).await,
        "the deployment stopped cleanly, nothing runs"
    );
    app.stop().await;
}

crate::on_both_backends!(
    wait_for_answers_at_once_when_reached_and_when_the_state_changes,
    a_wait_for_ready_ends_when_the_instance_is_deleted_meanwhile,
);
