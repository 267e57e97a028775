//! Several `serve` processes on one PostgreSQL database: each attempt is made by one of them.

use crate::outbox::{enqueue, instance_of, status_is};
use crate::receiver::Receiver;
use crate::support::{json, Backend, TestApp};
use partner_api::delivery::{self, Delivery};
use partner_api::startup;
use partner_api::store::events::EventKind;
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const EVENTS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_services_on_one_postgresql_database_attempt_each_event_once() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let second = startup::start(&app.storage, &app.args)
        .await
        .expect("a second service starts");
    let key = app.new_partner("acme").await;
    let receiver = Receiver::start(vec![]).await;
    let instance = instance_of(&app, "acme").await;

    // Beside both services' workers, two more claimers per database connection pool race for every event.
    let stop = tokio_util::sync::CancellationToken::new();
    let mut drivers = Vec::new();
    for db in [
        app.db().clone(),
        second.db.clone(),
        app.db().clone(),
        second.db.clone(),
    ] {
        let delivery = Delivery::new(db, &app.args, &app.storage.data_dir).unwrap();
        let stop = stop.clone();
        drivers.push(tokio::spawn(async move {
            while !stop.is_cancelled() {
                if delivery::deliver_due(&delivery).await.unwrap() == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }));
    }
    for n in 0..EVENTS {
        enqueue(
            &app,
            "acme",
            &instance,
            EventKind::Token,
            &receiver.url("/"),
            &[],
            &json!({"token": n}),
        )
        .await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let log = loop {
        let (_, log) = json(
            app.get(&format!("/v1/instances/{instance}/events"), &key)
                .await,
        )
        .await;
        let results = log["results"].as_array().unwrap();
        if results.len() == EVENTS && results.iter().all(status_is("delivered")) {
            break log;
        }
        assert!(Instant::now() < deadline, "not all delivered in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    stop.cancel();
    for driver in drivers {
        driver.await.unwrap();
    }
    for event in log["results"].as_array().unwrap() {
        assert_eq!(event["attempts"].as_array().unwrap().len(), 1, "{event}");
    }
    let received = receiver.received();
    let ids: HashSet<_> = received
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(
        (received.len(), ids.len()),
        (EVENTS, EVENTS),
        "each event arrived once"
    );
    second.stop().await.unwrap();
    app.stop().await;
}
