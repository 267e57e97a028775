//! Idle instances sleep (their process stops, their status stays `ready`) and wake on the next
//! request through the router: a person's, several at once, or 360Dialog's webhook carrying a
//! customer's message. An open websocket keeps an instance awake; a restart of `serve` leaves a
//! sleeping instance asleep; a PATCH reaches a sleeping instance.

use super::{texts, within, Inbox};
use crate::on_both_backends;
use crate::router_websocket::open_and_sign_in;
use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use futures::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(
    an_idle_instance_sleeps_stays_ready_and_its_next_request_wakes_it,
    concurrent_first_requests_start_a_sleeping_instance_once,
    a_customer_message_wakes_a_sleeping_instance_and_is_kept,
    an_open_websocket_keeps_an_instance_awake,
    a_message_still_to_send_keeps_an_instance_awake_until_it_leaves,
    a_restart_of_serve_leaves_a_sleeping_instance_asleep_until_it_is_wanted,
    a_patch_and_a_delete_reach_a_sleeping_instance,
);

async fn sleepy_app(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |args| args.instance_idle_seconds = 1).await
}

/// The `inbox` processes serving the instance.
fn processes_of(id: &str) -> usize {
    let out = std::process::Command::new("pgrep")
        .args(["-f", &format!("instances/{id}/bootstrap.json")])
        .output()
        .expect("pgrep runs");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

async fn instance(app: &TestApp, id: &str) -> Value {
    let (status, instance) = json(app.get(&format!("/v1/instances/{id}"), SANDBOX_KEY).await).await;
    assert_eq!(status, 200, "{instance}");
    instance
}

/// Waits until the instance object says it sleeps; answers it.
async fn asleep(app: &TestApp, id: &str) -> Value {
    within(20, "the instance sleeps", || async {
        let instance = instance(app, id).await;
        (instance["awake"] == false).then_some(instance)
    })
    .await
}

async fn an_idle_instance_sleeps_stays_ready_and_its_next_request_wakes_it(backend: Backend) {
    let app = sleepy_app(backend).await;
    let inbox = Inbox::ready(&app, "sleepy", "SleepyCH").await;
    assert_eq!(instance(&app, &inbox.id).await["awake"], true);

    let sleeping = asleep(&app, &inbox.id).await;
    assert_eq!(sleeping["status"], "ready", "{sleeping}");
    assert_eq!(sleeping["errors"], json!([]), "{sleeping}");
    within(10, "its process stops", || async {
        (processes_of(&inbox.id) == 0).then_some(())
    })
    .await;

    let (status, me) = inbox.get("/api/v1/users/current/").await;
    assert_eq!(status, 200, "woken with its data and sessions: {me}");
    assert_eq!(me["username"], "push-admin");
    assert_eq!(instance(&app, &inbox.id).await["awake"], true);
    assert_eq!(processes_of(&inbox.id), 1);
    app.stop().await;
}

async fn concurrent_first_requests_start_a_sleeping_instance_once(backend: Backend) {
    let app = sleepy_app(backend).await;
    let inbox = Inbox::ready(&app, "crowded", "CrowdedCH").await;
    asleep(&app, &inbox.id).await;

    let requests = (0..16).map(|_| app.via_router("crowded", "/api/v1/status/health"));
    for answer in join_all(requests).await {
        assert_eq!(answer.status(), 200);
        let health: Value = answer.json().await.unwrap();
        assert_eq!(health["instance_id"], inbox.id.as_str());
    }
    assert_eq!(processes_of(&inbox.id), 1, "started once");
    app.stop().await;
}

async fn a_customer_message_wakes_a_sleeping_instance_and_is_kept(backend: Backend) {
    let app = sleepy_app(backend).await;
    let inbox = Inbox::ready(&app, "nightly", "NightlyCH").await;
    asleep(&app, &inbox.id).await;

    // 360Dialog's webhook goes through the router like any request: nobody waits for a person.
    let wamid = inbox.customer_writes("Are you open on Sunday?").await;
    let messages = inbox.messages().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["waba_payload"]["id"], wamid.as_str());
    assert_eq!(
        messages[0]["waba_payload"]["text"]["body"],
        "Are you open on Sunday?"
    );
    app.stop().await;
}

async fn an_open_websocket_keeps_an_instance_awake(backend: Backend) {
    let app = sleepy_app(backend).await;
    let inbox = Inbox::ready(&app, "watched", "WatchedCH").await;
    let socket = open_and_sign_in(&app, "websockets-watched", "/", &inbox.token).await;

    // Three idle periods with the socket open, and nothing else.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(instance(&app, &inbox.id).await["awake"], true);
    assert_eq!(processes_of(&inbox.id), 1);

    drop(socket);
    asleep(&app, &inbox.id).await;
    app.stop().await;
}

async fn a_message_still_to_send_keeps_an_instance_awake_until_it_leaves(backend: Backend) {
    let app = sleepy_app(backend).await;
    let inbox = Inbox::ready(&app, "pending", "PendingCH").await;
    inbox.customer_writes("Please call me back").await;
    inbox.outage(3600).await;
    let (status, queued) = inbox.send_text("We will, in five minutes").await;
    assert_eq!(status, 202, "queued while 360Dialog is down: {queued}");

    // Three idle periods with nothing but the message waiting for 360Dialog.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(instance(&app, &inbox.id).await["awake"], true);

    inbox.outage(0).await;
    let sent = within(30, "the message leaves", || async {
        let sent = texts(&inbox.sent().await);
        (!sent.is_empty()).then_some(sent)
    })
    .await;
    assert_eq!(sent, ["We will, in five minutes"]);
    asleep(&app, &inbox.id).await;
    app.stop().await;
}

async fn a_restart_of_serve_leaves_a_sleeping_instance_asleep_until_it_is_wanted(backend: Backend) {
    let mut app = sleepy_app(backend).await;
    let inbox = Inbox::ready(&app, "dormant", "DormantCH").await;
    let id = inbox.id.clone();
    let token = inbox.token.clone();
    asleep(&app, &id).await;

    app.restart_with(|args| args.instance_idle_seconds = 0)
        .await;
    // Another instance becomes ready meanwhile: the reconciler has had its passes.
    let other = app.create(json!({"channel_id": "AwakeCH"})).await;
    app.wait_for(other["id"].as_str().unwrap(), "ready").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(processes_of(&id), 0, "not started by the restart");
    assert_eq!(instance(&app, &id).await["awake"], false);

    let inbox = Inbox {
        app: &app,
        id: id.clone(),
        subdomain: "dormant".into(),
        channel: "DormantCH".into(),
        token,
    };
    let (status, _) = inbox.get("/api/v1/users/current/").await;
    assert_eq!(status, 200);
    assert_eq!(processes_of(&id), 1);
    app.stop().await;
}

async fn a_patch_and_a_delete_reach_a_sleeping_instance(backend: Backend) {
    let app = sleepy_app(backend).await;
    let inbox = Inbox::ready(&app, "patched", "PatchedCH").await;
    asleep(&app, &inbox.id).await;

    let path = format!("/v1/instances/{}", inbox.id);
    let answer = app
        .request(Method::PATCH, &path, SANDBOX_KEY)
        .json(&json!({"max_number_of_seats": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);
    let updated = within(20, "the update ends", || async {
        let instance = instance(&app, &inbox.id).await;
        (instance["status"] == "ready" && instance["max_number_of_seats"] == 7).then_some(instance)
    })
    .await;
    // The update pushes the limit to the instance itself, which had to be woken for it.
    assert_eq!(updated["errors"], json!([]), "{updated}");

    asleep(&app, &inbox.id).await;
    let answer = app
        .request(Method::DELETE, &path, SANDBOX_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);
    let deleted = app.wait_for(&inbox.id, "deleted").await;
    assert_eq!(deleted["awake"], false);
    assert_eq!(processes_of(&inbox.id), 0);
    app.stop().await;
}
