//! Webhooks as a partner's receiver sees them: exact bodies and headers, retries, timeouts,
//! redirects, `410`, `Retry-After`, restarts, crashes.

use crate::outbox::{
    attempts, enqueue, failures, millis_between, retrying, status_is, wait_within, Fixture,
};
use crate::processes::eventually;
use crate::receiver::{closed_port, Receiver, Reply};
use crate::support::Backend;
use partner_api::store::events::EventKind;
use serde_json::{json, Value};
use std::time::Duration;

/// The HTTP statuses of the event's attempts, in order.
fn statuses(event: &Value) -> Vec<Value> {
    attempts(event)
        .iter()
        .map(|a| a["http_status"].clone())
        .collect()
}

async fn a_token_event_is_delivered_once_with_the_exact_body_and_headers(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let receiver = Receiver::start(vec![]).await;
    let headers = [("X-Api-Key", "s3cret"), ("X-Tenant", "t-1")];
    let body = json!({"token": "tok_123"});
    let id = enqueue(
        &fx.app,
        "acme",
        &fx.instance,
        EventKind::Token,
        &receiver.url("/hook"),
        &headers,
        &body,
    )
    .await;

    let event = fx.wait_for(&id, status_is("delivered")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1, "delivered once");
    let request = &received[0];
    assert_eq!(&request.body[..], br#"{"token":"tok_123"}"#);
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(header("x-api-key").as_deref(), Some("s3cret"));
    assert_eq!(header("x-tenant").as_deref(), Some("t-1"));
    assert_eq!(
        header("user-agent"),
        Some(format!("partner-api/{}", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(header("webhook-id").as_deref(), Some(id.as_str()));
    let timestamp: i64 = header("webhook-timestamp").unwrap().parse().unwrap();
    assert!((timestamp - time::OffsetDateTime::now_utc().unix_timestamp()).abs() < 60);
    assert!(header("webhook-signature").unwrap().starts_with("v1,"));
    let attempt = &attempts(&event)[0];
    assert_eq!(statuses(&event), [json!(200)]);
    assert_eq!(attempt["response_body"], r#"{"ok":true}"#);
    assert_eq!(
        (&attempt["error"], &attempt["next_attempt_at"]),
        (&Value::Null, &Value::Null)
    );
    fx.stop().await;
}

async fn an_errors_event_carries_exactly_the_queued_errors(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let receiver = Receiver::start(vec![]).await;
    let body = json!({"errors": [{"code": 701, "title": "Number already deployed", "details": "…",
        "parameters": {"channel_id": "123456"}}]});
    let id = fx.queue(EventKind::Errors, &receiver.url("/"), &body).await;
    fx.wait_for(&id, status_is("delivered")).await;
    let received: Value = serde_json::from_slice(&receiver.received()[0].body).unwrap();
    assert_eq!(received, body);
    fx.stop().await;
}

async fn a_receiver_that_is_down_at_first_gets_the_event_once_it_is_up(backend: Backend) {
    let fx = Fixture::start(backend, retrying("0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2")).await;
    let port = closed_port().await;
    let id = fx.token_to(&format!("http://127.0.0.1:{port}/hook")).await;

    fx.wait_for(&id, |e| failures(e) >= 2).await;
    let receiver = Receiver::start_at(port, vec![]).await;
    let event = fx.wait_for(&id, status_is("delivered")).await;
    let log = attempts(&event);
    assert!(log.len() >= 3, "{event:#}");
    for failed in &log[..log.len() - 1] {
        assert!(
            failed["error"]
                .as_str()
                .unwrap()
                .contains("connection failed"),
            "{failed}"
        );
        assert_eq!(failed["http_status"], Value::Null);
        assert!(failed["next_attempt_at"].is_string());
    }
    assert_eq!(log.last().unwrap()["http_status"], 200);
    assert_eq!(receiver.received().len(), 1);
    fx.stop().await;
}

async fn a_receiver_that_never_answers_times_out_and_is_tried_again(backend: Backend) {
    let fx = Fixture::start(backend, |args| {
        retrying("0.05")(args);
        args.webhook_timeout = Duration::from_millis(300);
    })
    .await;
    let receiver = Receiver::start(vec![Reply::Hang]).await;
    let id = fx.token_to(&receiver.url("/")).await;
    let event = fx.wait_for(&id, status_is("delivered")).await;
    let log = attempts(&event);
    assert!(
        log[0]["error"].as_str().unwrap().starts_with("timeout"),
        "{}",
        log[0]
    );
    let waited = log[0]["duration_ms"].as_i64().unwrap();
    assert!(
        (300..3000).contains(&waited),
        "gave up after the timeout: {waited} ms"
    );
    assert_eq!(log[1]["http_status"], 200);
    fx.stop().await;
}

async fn server_errors_are_retried_and_redirects_are_not_followed(backend: Backend) {
    let fx = Fixture::start(backend, retrying("0.05,0.05")).await;
    let elsewhere = Receiver::start(vec![]).await;
    let location: &'static str = Box::leak(elsewhere.url("/elsewhere").into_boxed_str());
    let receiver = Receiver::start(vec![
        Reply::Status(500),
        Reply::WithHeader(301, "location", location),
    ])
    .await;
    let id = fx.token_to(&receiver.url("/")).await;
    let event = fx.wait_for(&id, status_is("delivered")).await;
    assert_eq!(statuses(&event), [json!(500), json!(301), json!(200)]);
    assert_eq!(attempts(&event)[0]["response_body"], "answer 500");
    assert!(
        elsewhere.received().is_empty(),
        "the redirect was not followed"
    );
    fx.stop().await;
}

async fn a_410_stops_the_retries_and_the_event_fails(backend: Backend) {
    let fx = Fixture::start(backend, retrying("0.05,0.05")).await;
    let receiver = Receiver::start(vec![Reply::Status(410)]).await;
    let id = fx.token_to(&receiver.url("/")).await;
    let event = fx.wait_for(&id, status_is("failed")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "no attempt after 410");
    assert_eq!(statuses(&event), [json!(410)]);
    assert_eq!(attempts(&event)[0]["next_attempt_at"], Value::Null);
    fx.stop().await;
}

async fn after_the_last_attempt_the_event_stays_failed_and_visible(backend: Backend) {
    let fx = Fixture::start(backend, retrying("0.05,0.05")).await;
    let receiver = Receiver::start(vec![
        Reply::Status(500),
        Reply::Status(502),
        Reply::Status(503),
    ])
    .await;
    let id = fx.token_to(&receiver.url("/")).await;
    let event = fx.wait_for(&id, status_is("failed")).await;
    assert_eq!(
        statuses(&event),
        [json!(500), json!(502), json!(503)],
        "the first attempt and two retries"
    );
    assert_eq!(event["next_attempt_at"], Value::Null);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 3);
    fx.stop().await;
}

async fn a_429_with_retry_after_postpones_the_next_attempt(backend: Backend) {
    let fx = Fixture::start(backend, retrying("0,0")).await;
    let receiver = Receiver::start(vec![Reply::WithHeader(429, "retry-after", "1")]).await;
    let id = fx.token_to(&receiver.url("/")).await;
    let event = fx.wait_for(&id, status_is("delivered")).await;
    let log = attempts(&event);
    assert_eq!(statuses(&event), [json!(429), json!(200)]);
    assert!(millis_between(&log[0]["attempted_at"], &log[0]["next_attempt_at"]) >= 1000);
    assert!(millis_between(&log[0]["attempted_at"], &log[1]["attempted_at"]) >= 1000);
    fx.stop().await;
}

async fn a_retry_scheduled_before_a_restart_is_made_after_it(backend: Backend) {
    let mut fx = Fixture::start(backend, retrying("1")).await;
    let receiver = Receiver::start(vec![Reply::Status(500)]).await;
    let id = fx.token_to(&receiver.url("/")).await;
    fx.wait_for(&id, |e| failures(e) == 1).await;

    fx.app.restart_with(|_| {}).await;
    let event = fx.wait_for(&id, status_is("delivered")).await;
    assert_eq!(statuses(&event), [json!(500), json!(200)]);
    let ids: Vec<_> = receiver
        .received()
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(
        ids,
        [id.as_str(), id.as_str()],
        "the same webhook-id on every attempt"
    );
    fx.stop().await;
}

async fn an_attempt_a_crash_cut_off_shows_as_unknown_and_the_event_is_then_delivered_once(
    backend: Backend,
) {
    // Only the crash ends the hanging request; the test service's lease is 5 s.
    let mut fx = Fixture::start(backend, |args| {
        args.webhook_timeout = Duration::from_secs(300)
    })
    .await;
    let receiver = Receiver::start(vec![Reply::Hang]).await;
    let id = fx.token_to(&receiver.url("/hook")).await;
    assert!(
        eventually(10, || receiver.received().len() == 1).await,
        "the first attempt reached the receiver"
    );
    let in_flight = fx.wait_for(&id, |e| !attempts(e).is_empty()).await;
    let pending = json!({"outcome": "in_flight", "duration_ms": null, "http_status": null,
        "error": null, "response_body": null, "next_attempt_at": null});
    let shown = &attempts(&in_flight)[0];
    assert_eq!(without_time(shown), pending, "{in_flight:#}");

    fx.app.crash_and_restart().await;
    let event = wait_within(
        &fx.app,
        &fx.key,
        &fx.instance,
        &id,
        Duration::from_secs(30),
        status_is("delivered"),
    )
    .await;

    let log = attempts(&event);
    let unknown = json!({"outcome": "unknown", "duration_ms": null, "http_status": null,
        "error": null, "response_body": null, "next_attempt_at": null});
    assert_eq!(log.len(), 2, "{event:#}");
    assert_eq!(without_time(&log[0]), unknown, "{event:#}");
    assert_eq!(log[0]["attempted_at"], shown["attempted_at"]);
    assert_eq!(
        (&log[1]["outcome"], &log[1]["http_status"]),
        (&json!("success"), &json!(200))
    );
    assert!(log[1]["duration_ms"].is_i64());
    let ids: Vec<_> = receiver
        .received()
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(
        ids,
        [id.as_str(), id.as_str()],
        "sent again once, as the same message"
    );
    fx.stop().await;
}

/// An attempt of the log without its start time.
fn without_time(attempt: &Value) -> Value {
    let mut attempt = attempt.clone();
    attempt.as_object_mut().unwrap().remove("attempted_at");
    attempt
}

crate::on_both_backends!(
    a_token_event_is_delivered_once_with_the_exact_body_and_headers,
    an_errors_event_carries_exactly_the_queued_errors,
    a_receiver_that_is_down_at_first_gets_the_event_once_it_is_up,
    a_receiver_that_never_answers_times_out_and_is_tried_again,
    server_errors_are_retried_and_redirects_are_not_followed,
    a_410_stops_the_retries_and_the_event_fails,
    after_the_last_attempt_the_event_stays_failed_and_visible,
    a_429_with_retry_after_postpones_the_next_attempt,
    a_retry_scheduled_before_a_restart_is_made_after_it,
    an_attempt_a_crash_cut_off_shows_as_unknown_and_the_event_is_then_delivered_once,
);
