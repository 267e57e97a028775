//! A key that stops working is noticed: ready instances' 360Dialog keys are checked every second
//! here; a rejected one shows as a 702 on the instance and one `errors` event.

use crate::receiver::{closed_port, Receiver};
use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use partner_api::deploy;
use partner_api::domain::PartnerId;
use partner_api::store::partners;
use serde_json::{json, Value};
use std::future::Future;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

async fn checking_every_second(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |args| args.d360_key_check_seconds = 1).await
}

/// Polls `check` until it answers `Some`, for up to `DEADLINE`.
async fn until<T, Fut: Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> Fut,
) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A ready instance of `channel` whose events go to `receiver`.
async fn ready_instance(app: &TestApp, channel: &str, receiver: &Receiver) -> String {
    let configurator = json!({"user_name": "svc", "webhook_url": receiver.url("/hook")});
    let created = app
        .create(json!({"channel_id": channel, "configurator": configurator}))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    app.wait_for(&id, "ready").await;
    id
}

async fn instance(app: &TestApp, id: &str) -> Value {
    let (status, instance) = json(app.get(&format!("/v1/instances/{id}"), SANDBOX_KEY).await).await;
    assert_eq!(status, 200, "{instance}");
    instance
}

/// The instance object once it carries errors.
async fn with_errors(app: &TestApp, id: &str) -> Value {
    until("errors on the instance", || async {
        let instance = instance(app, id).await;
        (instance["errors"] != json!([])).then_some(instance)
    })
    .await
}

/// The kinds of the events queued for the instance, oldest first.
async fn event_kinds(app: &TestApp, id: &str) -> Vec<String> {
    let path = format!("/v1/instances/{id}/events");
    let (status, log) = json(app.get(&path, SANDBOX_KEY).await).await;
    assert_eq!(status, 200, "{log}");
    let kinds = log["results"].as_array().unwrap().iter();
    kinds
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

/// The `errors` bodies the partner's webhook received.
fn errors_received(receiver: &Receiver) -> Vec<Value> {
    let bodies = receiver.received().into_iter();
    let bodies = bodies.map(|r| serde_json::from_slice::<Value>(&r.body).unwrap());
    bodies.filter(|b| b.get("errors").is_some()).collect()
}

/// Waits until the instance's key has been checked at least `n` more times. A check claims the
/// instance by moving its next check forward and is over before this process claims it again.
async fn checks_pass(app: &TestApp, id: &str, n: usize) {
    let next_check = || async {
        sqlx::query_scalar::<_, Option<i64>>(
            "SELECT d360_key_check_at FROM instances WHERE id = $1",
        )
        .bind(id)
        .fetch_one(app.db().pool())
        .await
        .unwrap()
    };
    let deadline = Instant::now() + DEADLINE;
    let mut last = next_check().await;
    let mut claims = 0;
    while claims < n + 1 {
        assert!(
            Instant::now() < deadline,
            "waited in vain for {n} key checks"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = next_check().await;
        if now != last {
            (last, claims) = (now, claims + 1);
        }
    }
}

fn the_702_of(channel: &str) -> Value {
    json!({"code": 702, "title": "Invalid 360Dialog API Key",
           "details": format!("360Dialog rejected the API key of channel ID {channel}."),
           "parameters": {"channel_id": channel}})
}

async fn a_revoked_key_puts_a_702_on_the_ready_instance_and_sends_one_errors_event(
    backend: Backend,
) {
    let app = checking_every_second(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let id = ready_instance(&app, "RevokedKeyCH", &receiver).await;

    app.sandbox_d360_key("RevokedKeyCH").await;

    let rejected = with_errors(&app, &id).await;
    assert_eq!(
        rejected["status"], "ready",
        "it still runs and serves its data"
    );
    assert_eq!(rejected["errors"], json!([the_702_of("RevokedKeyCH")]));
    let sent = until("the errors event", || async {
        errors_received(&receiver).first().cloned()
    })
    .await;
    assert_eq!(sent, json!({"errors": [the_702_of("RevokedKeyCH")]}));
    checks_pass(&app, &id, 3).await;
    assert_eq!(
        event_kinds(&app, &id).await,
        ["token", "errors"],
        "once per rejection"
    );
    assert_eq!(errors_received(&receiver).len(), 1);
    assert_eq!(instance(&app, &id).await["errors"], rejected["errors"]);
    app.stop().await;
}

async fn a_patch_with_the_new_key_clears_the_702_and_a_later_revocation_is_noticed_again(
    backend: Backend,
) {
    let app = checking_every_second(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let id = ready_instance(&app, "RenewedKeyCH", &receiver).await;
    app.sandbox_d360_key("RenewedKeyCH").await;
    with_errors(&app, &id).await;

    let new_key = app.sandbox_d360_key("RenewedKeyCH").await;
    let response = app
        .patch_instance(&id, &json!({"d360_api_key": new_key}))
        .await;
    assert_eq!(response.status(), 202);
    let repaired = app.wait_for(&id, "ready").await;
    assert_eq!(repaired["errors"], json!([]));
    assert_eq!(repaired["d360_api_key_hint"], new_key[new_key.len() - 4..]);
    checks_pass(&app, &id, 3).await;
    assert_eq!(
        instance(&app, &id).await["errors"],
        json!([]),
        "the new key works"
    );
    assert_eq!(event_kinds(&app, &id).await, ["token", "errors"]);

    app.sandbox_d360_key("RenewedKeyCH").await;
    let rejected = with_errors(&app, &id).await;
    assert_eq!(rejected["errors"], json!([the_702_of("RenewedKeyCH")]));
    assert_eq!(event_kinds(&app, &id).await, ["token", "errors", "errors"]);
    app.stop().await;
}

async fn patching_only_the_seats_keeps_the_702_without_another_event(backend: Backend) {
    let app = checking_every_second(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let id = ready_instance(&app, "SeatsOnlyCH", &receiver).await;
    app.sandbox_d360_key("SeatsOnlyCH").await;
    with_errors(&app, &id).await;

    let response = app
        .patch_instance(&id, &json!({"max_number_of_seats": 9}))
        .await;
    assert_eq!(response.status(), 202);
    let updated = app.wait_for(&id, "ready").await;

    assert_eq!(updated["max_number_of_seats"], 9);
    assert_eq!(updated["errors"], json!([the_702_of("SeatsOnlyCH")]));
    checks_pass(&app, &id, 2).await;
    assert_eq!(event_kinds(&app, &id).await, ["token", "errors"]);
    app.stop().await;
}

async fn a_key_that_keeps_working_never_produces_an_event(backend: Backend) {
    let app = checking_every_second(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let id = ready_instance(&app, "WorkingKeyCH", &receiver).await;

    checks_pass(&app, &id, 3).await;

    let checked = instance(&app, &id).await;
    assert_eq!(
        (&checked["status"], &checked["errors"]),
        (&json!("ready"), &json!([]))
    );
    assert_eq!(event_kinds(&app, &id).await, ["token"]);
    app.stop().await;
}

async fn a_360dialog_that_does_not_answer_changes_nothing(backend: Backend) {
    let app = checking_every_second(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let id = ready_instance(&app, "SilentCH", &receiver).await;
    let sandbox = PartnerId::parse("sandbox").unwrap();
    let hub = partners::get(app.db(), &sandbox)
        .await
        .unwrap()
        .unwrap()
        .hub
        .unwrap();
    let mut unreachable = hub.clone();
    unreachable.messaging_url = format!("http://127.0.0.1:{}", closed_port().await);
    partners::set_hub(app.db(), &sandbox, &unreachable)
        .await
        .unwrap();
    app.sandbox_d360_key("SilentCH").await;

    checks_pass(&app, &id, 3).await;
    assert_eq!(instance(&app, &id).await["errors"], json!([]));
    assert_eq!(event_kinds(&app, &id).await, ["token"]);

    partners::set_hub(app.db(), &sandbox, &hub).await.unwrap();
    let rejected = with_errors(&app, &id).await;
    assert_eq!(rejected["errors"], json!([the_702_of("SilentCH")]));
    app.stop().await;
}

async fn replicas_checking_at_once_send_one_event(backend: Backend) {
    let app = checking_every_second(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let id = ready_instance(&app, "ReplicasCH", &receiver).await;
    // Beside the service's own check, four more race for every check: two on another pool of
    // the same database, as another replica would.
    let mut other = app.deployer().clone();
    other.db = app.storage.open(4).await.unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let mut checkers = Vec::new();
    for deployer in [
        app.deployer().clone(),
        other.clone(),
        app.deployer().clone(),
        other,
    ] {
        let stop = stop.clone();
        checkers.push(tokio::spawn(async move {
            while !stop.is_cancelled() {
                deploy::check_keys_once(&deployer).await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }

    app.sandbox_d360_key("ReplicasCH").await;
    with_errors(&app, &id).await;
    checks_pass(&app, &id, 3).await;
    stop.cancel();
    for checker in checkers {
        checker.await.unwrap();
    }

    assert_eq!(event_kinds(&app, &id).await, ["token", "errors"]);
    app.stop().await;
}

crate::on_both_backends!(
    a_revoked_key_puts_a_702_on_the_ready_instance_and_sends_one_errors_event,
    a_patch_with_the_new_key_clears_the_702_and_a_later_revocation_is_noticed_again,
    patching_only_the_seats_keeps_the_702_without_another_event,
    a_key_that_keeps_working_never_produces_an_event,
    a_360dialog_that_does_not_answer_changes_nothing,
    replicas_checking_at_once_send_one_event,
);
