//! Events as the deployment job queues them, and the delivery log as a partner reads it.

use crate::support::{json, Backend, TestApp};
use partner_api::config::ServeArgs;
use partner_api::domain::webhook::WebhookHeaders;
use partner_api::domain::{InstanceId, PartnerId, SeatCount, Subdomain};
use partner_api::store::events::{self, EventKind, NewEvent};
use partner_api::store::instances::{self, NewInstance};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// An instance of `partner`, stored as Create Instance stores it. With neither a channel nor a key
/// its deployment fails (704) without an event of its own, so a test sees only the events it queues.
pub async fn instance_of(app: &TestApp, partner: &str) -> InstanceId {
    let id = InstanceId::generate();
    let new = NewInstance {
        id: &id,
        partner_id: &PartnerId::parse(partner).unwrap(),
        subdomain: &Subdomain::from_instance_id(&id),
        channel_id: None,
        d360_api_key: None,
        admin_email: None,
        generate_activation: false,
        configurator: None,
        max_number_of_seats: SeatCount::default(),
        activation_code: "code",
    };
    instances::create_with_deployment(app.db(), &new, None)
        .await
        .unwrap();
    id
}

/// Queues an event in its own transaction, as the deployment job does with its state change.
pub async fn enqueue(
    app: &TestApp,
    partner: &str,
    instance: &InstanceId,
    kind: EventKind,
    target: &str,
    headers: &[(&str, &str)],
    payload: &Value,
) -> String {
    let pairs: BTreeMap<String, String> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mut tx = app.db().begin().await.unwrap();
    let id = events::enqueue(
        &mut tx,
        &NewEvent {
            partner_id: &PartnerId::parse(partner).unwrap(),
            instance_id: instance,
            kind,
            target,
            headers: &WebhookHeaders::from_checked(pairs),
            payload,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// A partner's view of one event in the instance's delivery log.
pub async fn event(app: &TestApp, key: &str, instance: &InstanceId, id: &str) -> Value {
    let (status, log) = json(
        app.get(&format!("/v1/instances/{instance}/events"), key)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{log}");
    log["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("event {id} is in the log: {log}"))
}

/// Reads the event until `done` holds (10 s at most) and returns it.
pub async fn wait_for(
    app: &TestApp,
    key: &str,
    instance: &InstanceId,
    id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    wait_within(app, key, instance, id, Duration::from_secs(10), done).await
}

/// Reads the event until `done` holds (`limit` at most) and returns it.
pub async fn wait_within(
    app: &TestApp,
    key: &str,
    instance: &InstanceId,
    id: &str,
    limit: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let event = event(app, key, instance, id).await;
        if done(&event) {
            return event;
        }
        assert!(
            Instant::now() < deadline,
            "the event did not get there in time: {event:#}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |event| event["status"] == status
}

pub fn attempts(event: &Value) -> &Vec<Value> {
    event["attempts"].as_array().unwrap()
}

/// Attempts that ended in a failure; one still in flight is logged already, with no outcome yet.
pub fn failures(event: &Value) -> usize {
    attempts(event)
        .iter()
        .filter(|a| a["outcome"] == "failure")
        .count()
}

/// Service settings with a retry schedule shrunk for a test (seconds, decimals allowed).
pub fn retrying(schedule: &str) -> impl FnOnce(&mut partner_api::config::ServeArgs) {
    let schedule = schedule.parse().unwrap();
    move |args| args.webhook_retry_schedule = schedule
}

/// Milliseconds between two RFC 3339 instants of the log.
pub fn millis_between(from: &Value, to: &Value) -> i64 {
    use time::format_description::well_known::Rfc3339;
    let at = |v: &Value| time::OffsetDateTime::parse(v.as_str().unwrap(), &Rfc3339).unwrap();
    ((at(to) - at(from)).as_seconds_f64() * 1000.0).round() as i64
}

/// A running service with partner `acme` (allowed to reach loopback, as test partners are) and
/// one of its instances, to queue events for.
pub struct Fixture {
    pub app: TestApp,
    pub key: String,
    pub instance: InstanceId,
}

impl Fixture {
    pub async fn start(backend: Backend, configure: impl FnOnce(&mut ServeArgs)) -> Self {
        let app = TestApp::spawn_with(backend, configure).await;
        let key = app.new_partner("acme").await;
        let instance = instance_of(&app, "acme").await;
        Self { app, key, instance }
    }

    /// Queues an event of `acme`'s instance.
    pub async fn queue(&self, kind: EventKind, target: &str, payload: &Value) -> String {
        enqueue(
            &self.app,
            "acme",
            &self.instance,
            kind,
            target,
            &[],
            payload,
        )
        .await
    }

    /// Queues `{"token":"t"}` to `url`.
    pub async fn token_to(&self, url: &str) -> String {
        self.queue(EventKind::Token, url, &serde_json::json!({"token": "t"}))
            .await
    }

    pub async fn wait_for(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        wait_for(&self.app, &self.key, &self.instance, id, done).await
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }
}
