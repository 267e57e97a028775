//! The delivery log and redelivery as a partner uses them, and the operator's metrics page.

use crate::outbox::{attempts, retrying, status_is, Fixture};
use crate::receiver::{Receiver, Reply};
use crate::support::{json, Backend};
use partner_api::store::events::EventKind;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

async fn the_log_shows_every_attempt_in_its_shape_and_never_the_token(backend: Backend) {
    let fx = Fixture::start(backend, retrying("0.05")).await;
    let receiver = Receiver::start(vec![Reply::Status(500)]).await;
    let url = receiver.url("/hook");
    let id = fx
        .queue(EventKind::Token, &url, &json!({"token": "tok_SECRET"}))
        .await;
    fx.wait_for(&id, status_is("delivered")).await;

    let path = format!("/v1/instances/{}/events", fx.instance);
    let (status, log) = json(fx.app.get(&path, &fx.key).await).await;
    assert_eq!((status, &log["count"]), (200, &json!(1)));
    let event = &log["results"][0];
    let event_fields = [
        "id",
        "type",
        "status",
        "target",
        "created_at",
        "next_attempt_at",
        "attempts",
    ];
    assert_eq!(keys(event), BTreeSet::from(event_fields));
    assert_eq!(
        (&event["type"], &event["target"]),
        (&json!("token"), &json!(url))
    );
    let first = &attempts(event)[0];
    let attempt_fields = [
        "attempted_at",
        "outcome",
        "duration_ms",
        "http_status",
        "error",
        "response_body",
        "next_attempt_at",
    ];
    assert_eq!(keys(first), BTreeSet::from(attempt_fields));
    assert_eq!(
        (
            &first["outcome"],
            &first["http_status"],
            &first["response_body"]
        ),
        (&json!("failure"), &json!(500), &json!("answer 500"))
    );
    assert_eq!(attempts(event)[1]["outcome"], "success");
    assert!(first["next_attempt_at"].is_string() && first["duration_ms"].is_i64());
    assert!(
        !log.to_string().contains("tok_SECRET"),
        "the token is a credential: {log}"
    );
    fx.stop().await;
}

async fn another_partners_instances_and_events_are_not_found(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let app = &fx.app;
    let other = app.new_partner("other").await;
    let id = fx.token_to("http://127.0.0.1:9/").await;

    let events_of_acme = format!("/v1/instances/{}/events", fx.instance);
    for path in [events_of_acme.as_str(), "/v1/instances/not-an-id/events"] {
        let answer = json(app.get(path, &other).await).await;
        assert_eq!(
            answer,
            (404, json!({"detail": "Instance not found"})),
            "{path}"
        );
    }
    for event_id in [id.as_str(), "msg_000000000000000000000000", "nope"] {
        let path = format!("/v1/events/{event_id}/redeliver");
        let answer = json(
            app.request(Method::POST, &path, &other)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            answer,
            (404, json!({"detail": "Event not found"})),
            "{event_id}"
        );
    }
    let anonymous = app
        .client
        .get(app.url(&events_of_acme))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    fx.stop().await;
}

async fn redelivery_makes_a_new_attempt_also_for_a_failed_event(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let receiver = Receiver::start(vec![Reply::Status(410)]).await;
    let id = fx.token_to(&receiver.url("/")).await;
    fx.wait_for(&id, status_is("failed")).await;
    let path = format!("/v1/events/{id}/redeliver");
    let redeliver = || fx.app.request(Method::POST, &path, &fx.key).send();

    let (status, queued) = json(redeliver().await.unwrap()).await;
    assert_eq!(
        (status, &queued["id"], &queued["status"]),
        (202, &json!(id), &json!("pending"))
    );
    let event = fx.wait_for(&id, status_is("delivered")).await;
    assert_eq!(attempts(&event).len(), 2);
    let ids: Vec<_> = receiver
        .received()
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(ids, [id.as_str(), id.as_str()]);

    let again = redeliver().await.unwrap();
    assert_eq!(
        again.status(),
        202,
        "a delivered event can be sent again too"
    );
    fx.wait_for(&id, |e| {
        attempts(e).len() == 3 && e["status"] == "delivered"
    })
    .await;
    fx.stop().await;
}

async fn redelivery_waits_after_five_attempts_within_the_hour(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let receiver = Receiver::start(vec![]).await;
    let id = fx.token_to(&receiver.url("/")).await;
    fx.wait_for(&id, status_is("delivered")).await;
    let path = format!("/v1/events/{id}/redeliver");
    let redeliver = || fx.app.request(Method::POST, &path, &fx.key).send();
    for sent in 2..=5 {
        assert_eq!(redeliver().await.unwrap().status(), 202);
        fx.wait_for(&id, |e| {
            attempts(e).len() == sent && e["status"] == "delivered"
        })
        .await;
    }

    let refused = redeliver().await.unwrap();

    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3000..=3600).contains(&retry_after), "{retry_after}");
    let (_, body) = json(refused).await;
    assert_eq!(
        body["detail"],
        "This event was attempted 5 times in the last hour; redeliver it later"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 5, "no sixth request");
    fx.stop().await;
}

async fn the_event_endpoints_are_in_the_openapi_document(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let response = fx
        .app
        .client
        .get(fx.app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    let (_, doc) = json(response).await;
    for (path, method) in [
        ("/v1/instances/{id}/events", "get"),
        ("/v1/events/{event_id}/redeliver", "post"),
        ("/v1/webhook_secret", "get"),
        ("/v1/webhook_secret/rotate", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    assert!(doc["components"]["schemas"]["EventView"]["properties"]["attempts"].is_object());
    fx.stop().await;
}

async fn the_metrics_page_counts_deliveries_deployments_and_instances(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let receiver = Receiver::start(vec![]).await;
    let id = fx.token_to(&receiver.url("/")).await;
    fx.wait_for(&id, status_is("delivered")).await;
    partner_api::metrics::deployment_finished("ready");
    let odd = reqwest::Method::from_bytes(b"BREW1234").unwrap();
    let url = fx.app.url("/v1/instances");
    fx.app.client.request(odd, url).send().await.unwrap();

    let response = fx
        .app
        .client
        .get(fx.app.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    for series in [
        "events_queued_total{kind=\"token\"}",
        "events_delivered_total{kind=\"token\"}",
        "delivery_attempt_duration_seconds",
        "deployments_total{outcome=\"ready\"}",
        "events{status=\"delivered\"} 1",
        "http_requests_total",
        "method=\"other\"",
    ] {
        assert!(page.contains(series), "{series} in\n{page}");
    }
    assert!(!page.contains("BREW1234"), "{page}");
    assert!(!page.contains("status=\"200\""), "{page}");
    let instances: f64 = page
        .lines()
        .filter(|l| l.starts_with("instances{status="))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(
        instances, 1.0,
        "the one instance is counted under its status\n{page}"
    );
    fx.stop().await;
}

crate::on_both_backends!(
    the_log_shows_every_attempt_in_its_shape_and_never_the_token,
    another_partners_instances_and_events_are_not_found,
    redelivery_makes_a_new_attempt_also_for_a_failed_event,
    redelivery_waits_after_five_attempts_within_the_hour,
    the_event_endpoints_are_in_the_openapi_document,
    the_metrics_page_counts_deliveries_deployments_and_instances,
);
