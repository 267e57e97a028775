//! Exactly once where the API claims it: a create with an `Idempotency-Key` makes one instance
//! whatever crashes, and a job is completed only by the worker that holds it.

use crate::support::{json, script, Backend, TestApp, SANDBOX_KEY};
use partner_api::deploy;
use partner_api::domain::{InstanceId, PartnerId, SeatCount, Subdomain};
use partner_api::store::idempotency::{self, Claim, Record};
use partner_api::store::instances::{self, NewInstance};
use partner_api::store::jobs::{self, ClaimedJob, JobOutcome, LeaseLost};
use partner_api::store::Db;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

/// A webhook nobody listens on: its events stay queued, which is all these tests look at.
const WEBHOOK: &str = "http://127.0.0.1:9/hook";

async fn an_instance_and_its_idempotency_record_are_stored_together_or_not_at_all(
    backend: Backend,
) {
    let mut app = TestApp::spawn(backend).await;
    let body = json!({"channel_id": "OnceCH", "subdomain": "once", "generate_activation": true});
    let send = |app: &TestApp| {
        app.request(Method::POST, "/v1/instances", SANDBOX_KEY)
            .header("Idempotency-Key", "create-once")
            .json(&body)
            .send()
    };
    let (status, first) = json(send(&app).await.unwrap()).await;
    assert_eq!(status, 200, "{first}");

    // The process dies right after answering; the partner's retry finds the first answer.
    app.crash_and_restart().await;
    let retry = send(&app).await.unwrap();
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let (status, replayed) = json(retry).await;
    assert_eq!((status, &replayed), (200, &first));
    let (_, list) = json(app.get("/v1/instances", SANDBOX_KEY).await).await;
    assert_eq!(list["count"], 1, "one instance: {list}");

    // When the record cannot be written (here: the key was given up meanwhile), the instance
    // is not stored either, so no state has an instance its key does not answer with.
    let partner = PartnerId::parse("sandbox").unwrap();
    let Claim::Proceed(claimed) = idempotency::claim(app.db(), &partner, "lost-key", "request")
        .await
        .unwrap()
    else {
        panic!("a fresh key proceeds");
    };
    idempotency::release(app.db(), &claimed).await.unwrap();
    let id = InstanceId::generate();
    let subdomain = Subdomain::from_instance_id(&id);
    let new = NewInstance {
        id: &id,
        partner_id: &partner,
        subdomain: &subdomain,
        channel_id: None,
        d360_api_key: None,
        admin_email: None,
        generate_activation: false,
        configurator: None,
        max_number_of_seats: SeatCount::default(),
        activation_code: "code",
    };
    let record = Record {
        claimed: &claimed,
        status: 200,
        body: "{}",
    };
    let stored = instances::create_with_deployment(app.db(), &new, Some(&record));
    assert!(stored.await.is_err(), "a create whose record fails fails");
    assert!(
        instances::find_any(app.db(), &id).await.unwrap().is_none(),
        "and leaves no instance behind"
    );
    app.stop().await;
}

async fn a_worker_that_lost_its_lease_cannot_complete_the_job_and_the_one_that_took_it_over_does(
    backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |args| args.deploy_workers = 0).await;
    let created = app
        .create(json!({
            "channel_id": "LeaseCH",
            "configurator": {"user_name": "svc", "webhook_url": WEBHOOK},
        }))
        .await;
    let id = InstanceId::parse(created["id"].as_str().unwrap()).unwrap();

    // Worker A stalls until its lease has run out; worker B takes the job over.
    let a = claim(app.db(), "worker-a", -1).await;
    let b = claim(app.db(), "worker-b", 60_000).await;
    assert_eq!((b.id, b.attempt), (a.id, 2));

    // A wakes up and would cancel the deployment: refused, nothing changes.
    let late = jobs::finish(app.db(), &a, JobOutcome::Cancelled).await;
    assert!(late.unwrap_err().is::<LeaseLost>());
    // A runs the whole job late: it stops or is refused, and the instance is still deploying.
    deploy::run_claimed(app.deployer(), &a).await.unwrap();
    assert_eq!(status_of(&app, &id).await, "deploying");

    deploy::run_claimed(app.deployer(), &b).await.unwrap();
    assert_eq!(status_of(&app, &id).await, "ready");
    assert_eq!(
        job_of(app.db(), &id).await,
        (Some("ready".to_owned()), 2),
        "finished once, by B"
    );
    assert_eq!(token_events(app.db(), &id).await, 1, "one token event");
    let attempts = attempt_errors(app.db(), a.id).await;
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(
        attempts[0]
            .as_deref()
            .is_some_and(|e| e.contains("lost its lease")),
        "A's attempt ended as superseded: {attempts:?}"
    );
    assert_eq!(attempts[1], None, "B's attempt succeeded");
    app.stop().await;
}

async fn a_worker_stops_its_work_as_soon_as_another_takes_its_job_over(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mute = script(
        dir.path(),
        "mute-inbox",
        "echo 'listening on 127.0.0.1:9'; exec sleep 600",
    );
    let app = TestApp::spawn_with(backend, |args| {
        args.deploy_workers = 0;
        args.inbox_bin = Some(mute);
        // Far longer than the test waits: only a stop cuts A's health wait short.
        args.instance_health_timeout_seconds = 600;
    })
    .await;
    let created = app.create(json!({"channel_id": "StallCH"})).await;
    let id = InstanceId::parse(created["id"].as_str().unwrap()).unwrap();

    let a = claim(app.db(), "worker-a", 5_000).await;
    let running = tokio::spawn({
        let (deployer, a) = (app.deployer().clone(), a.clone());
        async move { deploy::run_claimed(&deployer, &a).await }
    });
    let b = take_over(app.db(), &a).await;

    let stopped = tokio::time::timeout(Duration::from_secs(120), running).await;
    stopped
        .expect("A stops long before its health wait would end")
        .unwrap()
        .unwrap();
    assert_eq!(status_of(&app, &id).await, "deploying");
    assert_eq!(job_of(app.db(), &id).await, (None, 2), "the job is B's");
    let attempts = attempt_errors(app.db(), a.id).await;
    assert!(
        attempts[0]
            .as_deref()
            .is_some_and(|e| e.contains("lost its lease")),
        "{attempts:?}"
    );

    jobs::finish(app.db(), &b, JobOutcome::Cancelled)
        .await
        .unwrap();
    assert_eq!(
        job_of(app.db(), &id).await,
        (Some("cancelled".to_owned()), 2)
    );
    app.stop().await;
}

async fn claim(db: &Db, worker: &str, lease_ms: i64) -> ClaimedJob {
    jobs::claim_next(db, worker, lease_ms)
        .await
        .unwrap()
        .expect("a job is due")
}

/// Lets A's lease run out at once (as if A stalled) and claims the job as B. A heartbeat of A can
/// land between the two steps and renew the lease, so they are repeated until B has the job.
async fn take_over(db: &Db, a: &ClaimedJob) -> ClaimedJob {
    for _ in 0..100 {
        sqlx::query("UPDATE jobs SET locked_until = 0 WHERE id = $1")
            .bind(a.id)
            .execute(db.pool())
            .await
            .unwrap();
        if let Some(b) = jobs::claim_next(db, "worker-b", 60_000).await.unwrap() {
            assert_eq!((b.id, b.attempt), (a.id, a.attempt + 1));
            return b;
        }
    }
    panic!("worker B never got the job");
}

async fn status_of(app: &TestApp, id: &InstanceId) -> String {
    let (status, instance) = json(app.get(&format!("/v1/instances/{id}"), SANDBOX_KEY).await).await;
    assert_eq!(status, 200, "{instance}");
    instance["status"].as_str().unwrap().to_owned()
}

/// The outcome and attempts of the instance's only job.
async fn job_of(db: &Db, id: &InstanceId) -> (Option<String>, i64) {
    sqlx::query_as("SELECT outcome, attempts FROM jobs WHERE instance_id = $1")
        .bind(id.as_str())
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// The error of each attempt of a job, in order.
async fn attempt_errors(db: &Db, job: i64) -> Vec<Option<String>> {
    sqlx::query_scalar("SELECT error FROM job_attempts WHERE job_id = $1 ORDER BY id")
        .bind(job)
        .fetch_all(db.pool())
        .await
        .unwrap()
}

async fn token_events(db: &Db, id: &InstanceId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE instance_id = $1 AND kind = 'token'")
        .bind(id.as_str())
        .fetch_one(db.pool())
        .await
        .unwrap()
}

crate::on_both_backends!(
    an_instance_and_its_idempotency_record_are_stored_together_or_not_at_all,
    a_worker_that_lost_its_lease_cannot_complete_the_job_and_the_one_that_took_it_over_does,
    a_worker_stops_its_work_as_soon_as_another_takes_its_job_over,
);
