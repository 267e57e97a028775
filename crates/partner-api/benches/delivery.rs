//! How fast one service delivers: events per second to a fast local receiver, and the time from
//! the state change that queues an event to its first delivery attempt (p50, p99, max).
//!
//! `cargo bench -p partner-api --bench delivery` (SQLite in a temporary directory; set
//! `BENCH_DATABASE_URL=postgres://…/empty_db` for PostgreSQL). Goals: ≥ 2,000 events/s and a p99
//! under 50 ms on a 2-core machine. It prints figures and asserts nothing.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use clap::Parser;
use partner_api::cli::StorageArgs;
use partner_api::config::ServeArgs;
use partner_api::domain::webhook::WebhookHeaders;
use partner_api::domain::{InstanceId, PartnerId, SeatCount, Subdomain};
use partner_api::startup;
use partner_api::store::events::{self, EventKind, EventStatus, NewEvent};
use partner_api::store::instances::{self, NewInstance};
use partner_api::store::{Db, Tx};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const THROUGHPUT_EVENTS: usize = 20_000;
const LATENCY_EVENTS: usize = 1_000;
const LATENCY_INTERVAL: Duration = Duration::from_millis(4);

#[derive(Parser)]
struct Wrapper {
    #[command(flatten)]
    args: ServeArgs,
}

/// The receiver: answers 200 at once and notes how long after its enqueue each event arrived.
#[derive(Default)]
struct Arrivals {
    count: usize,
    latencies: Vec<Duration>,
}

struct Receiver {
    epoch: Instant,
    arrivals: Mutex<Arrivals>,
}

async fn receive(State(receiver): State<Arc<Receiver>>, body: Bytes) -> &'static str {
    let queued_at: Option<u64> = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["token"].as_str()?.parse().ok());
    let mut arrivals = receiver.arrivals.lock().unwrap();
    arrivals.count += 1;
    if let Some(micros) = queued_at {
        let latency = receiver
            .epoch
            .elapsed()
            .saturating_sub(Duration::from_micros(micros));
        arrivals.latencies.push(latency);
    }
    "{}"
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let dir = tempfile::tempdir().unwrap();
    let storage = StorageArgs {
        data_dir: dir.path().join("data"),
        database_url: std::env::var("BENCH_DATABASE_URL").ok(),
        secret_key: None,
        secret_key_file: None,
    };
    let mut args = Wrapper::parse_from(["bench"]).args;
    args.listen = "127.0.0.1:0".parse().unwrap();
    args.router_listen = "127.0.0.1:0".parse().unwrap();
    args.rate_limit = 0;
    args.inbox_bin = Some(common::inbox_bin());
    let app = startup::start(&storage, &args).await.unwrap();

    let receiver = Arc::new(Receiver {
        epoch: Instant::now(),
        arrivals: Mutex::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let router = axum::Router::new()
        .fallback(receive)
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let partner = PartnerId::parse("sandbox").unwrap();
    let instance = new_instance(&app.db, &partner).await;
    let target = Target {
        partner,
        instance,
        url,
    };
    // Throughput: queue many events in transactions of 500, time until all are recorded delivered.
    let started = Instant::now();
    for chunk in 0..THROUGHPUT_EVENTS / 500 {
        let mut tx = app.db.begin().await.unwrap();
        for n in 0..500 {
            queue(&mut tx, &target, format!("bulk-{chunk}-{n}")).await;
        }
        tx.commit().await.unwrap();
    }
    wait_delivered(&app.db, THROUGHPUT_EVENTS).await;
    let elapsed = started.elapsed();
    println!(
        "throughput: {THROUGHPUT_EVENTS} events delivered and recorded in {:.2} s = {:.0} events/s ({:?})",
        elapsed.as_secs_f64(),
        THROUGHPUT_EVENTS as f64 / elapsed.as_secs_f64(),
        app.db.backend(),
    );

    // Latency: one event per transaction every few ms, as deployments finishing one by one.
    receiver.arrivals.lock().unwrap().latencies.clear();
    for _ in 0..LATENCY_EVENTS {
        let queued_at = receiver.epoch.elapsed().as_micros().to_string();
        let mut tx = app.db.begin().await.unwrap();
        queue(&mut tx, &target, queued_at).await;
        tx.commit().await.unwrap();
        tokio::time::sleep(LATENCY_INTERVAL).await;
    }
    wait_delivered(&app.db, THROUGHPUT_EVENTS + LATENCY_EVENTS).await;
    let mut latencies = receiver.arrivals.lock().unwrap().latencies.clone();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "enqueue → first attempt over {} events: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*latencies.last().unwrap()),
    );
    app.stop().await.unwrap();
}

struct Target {
    partner: PartnerId,
    instance: InstanceId,
    url: String,
}

/// Queues a token event whose token is `token`, as a deployment that became ready does.
async fn queue(tx: &mut Tx, target: &Target, token: String) {
    let payload = serde_json::json!({ "token": token });
    let event = NewEvent {
        partner_id: &target.partner,
        instance_id: &target.instance,
        kind: EventKind::Token,
        target: &target.url,
        headers: &WebhookHeaders::default(),
        payload: &payload,
    };
    events::enqueue(tx, &event).await.unwrap();
}

async fn wait_delivered(db: &Db, expected: usize) {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let counts = events::count_by_status(db).await.unwrap();
        let delivered = counts
            .iter()
            .find(|(s, _)| *s == EventStatus::Delivered)
            .map_or(0, |(_, n)| *n);
        if delivered as usize >= expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {delivered} of {expected} delivered: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn new_instance(db: &Db, partner: &PartnerId) -> InstanceId {
    let id = InstanceId::generate();
    let new = NewInstance {
        id: &id,
        partner_id: partner,
        subdomain: &Subdomain::from_instance_id(&id),
        channel_id: None,
        d360_api_key: None,
        admin_email: None,
        generate_activation: false,
        configurator: None,
        max_number_of_seats: SeatCount::default(),
        activation_code: "bench",
    };
    instances::create_with_deployment(db, &new, None)
        .await
        .unwrap();
    id
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
