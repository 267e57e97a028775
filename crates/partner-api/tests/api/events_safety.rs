//! Webhooks never reach the platform's own network unless the operator allows it: refused at
//! create for what can be seen there, refused at send time for what a name resolves to.

use crate::outbox::{attempts, enqueue, instance_of, retrying, status_is, wait_for, Fixture};
use crate::receiver::Receiver;
use crate::support::{json, Backend};
use partner_api::domain::PartnerId;
use partner_api::store::events::EventKind;
use partner_api::store::partners;
use serde_json::{json, Value};

/// A service whose operator allows no internal network, with partner `acme` kept off loopback.
async fn production_like(backend: Backend) -> Fixture {
    let fx = Fixture::start(backend, |args| {
        retrying("0.1,0.1,0.1,0.1,0.1")(args);
        args.webhook_allowed_networks.clear();
    })
    .await;
    let acme = PartnerId::parse("acme").unwrap();
    partners::set_allow_loopback_webhooks(fx.app.db(), &acme, false)
        .await
        .unwrap();
    fx
}

async fn internal_destinations_and_header_injection_are_refused_at_create(backend: Backend) {
    let fx = production_like(backend).await;
    let create =
        |configurator: Value| json!({"channel_id": "abc123", "configurator": configurator});
    let internal = [
        "http://169.254.169.254/",
        "http://[::ffff:127.0.0.1]/",
        "ftp://x",
        "http://127.0.0.1:8080/",
        "http://[::127.0.0.1]/",
        "http://[::ffff:0:127.0.0.1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[64:ff9b:1::127.0.0.1]/",
    ];
    for url in internal {
        let body = create(json!({"user_name": "svc", "webhook_url": url}));
        let (status, answer) = json(fx.app.post_json("/v1/instances", &fx.key, &body).await).await;
        assert_eq!(status, 422, "{url}: {answer}");
        assert!(answer.to_string().contains("webhook_url"), "{answer}");
    }
    let injected = create(
        json!({"user_name": "svc", "webhook_url": "https://example.com/",
        "webhook_headers": {"X-A": "a\r\nInjected: 1"}}),
    );
    let (status, answer) = json(fx.app.post_json("/v1/instances", &fx.key, &injected).await).await;
    assert_eq!(status, 422, "{answer}");
    fx.stop().await;
}

async fn hop_by_hop_webhook_headers_are_refused_at_create(backend: Backend) {
    let fx = production_like(backend).await;
    for name in [
        "Upgrade",
        "TE",
        "Expect",
        "Keep-Alive",
        "Proxy-Authorization",
        "connection",
    ] {
        let body = json!({"channel_id": "abc123", "configurator": {"user_name": "svc",
            "webhook_url": "https://example.com/", "webhook_headers": {name: "x"}}});
        let (status, answer) = json(fx.app.post_json("/v1/instances", &fx.key, &body).await).await;
        assert_eq!(status, 422, "{name}: {answer}");
        let loc = &answer["detail"][0]["loc"];
        assert_eq!(
            loc[loc.as_array().map_or(0, Vec::len) - 1],
            name,
            "{answer}"
        );
    }
    fx.stop().await;
}

async fn a_name_or_literal_that_leads_to_loopback_is_refused_when_sending(backend: Backend) {
    let fx = production_like(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let by_name = format!("http://localhost:{}/", receiver.addr.port());
    for (target, shown) in [(by_name, "localhost"), (receiver.url("/"), "127.0.0.1")] {
        let id = fx.token_to(&target).await;
        let event = fx.wait_for(&id, |e| attempts(e).len() >= 2).await;
        let error = attempts(&event)[0]["error"].as_str().unwrap().to_owned();
        assert!(
            error.starts_with("destination refused") && error.contains(shown),
            "{error}"
        );
        assert_eq!(attempts(&event)[0]["http_status"], Value::Null);
    }
    assert!(
        receiver.received().is_empty(),
        "nothing reached the loopback receiver"
    );

    // The same service sends to loopback for a partner the operator allowed it for.
    let app = &fx.app;
    let local_key = app.new_partner("local").await;
    let local_instance = instance_of(app, "local").await;
    let payload = json!({"token": "t"});
    let id = enqueue(
        app,
        "local",
        &local_instance,
        EventKind::Token,
        &receiver.url("/"),
        &[],
        &payload,
    )
    .await;
    wait_for(
        app,
        &local_key,
        &local_instance,
        &id,
        status_is("delivered"),
    )
    .await;
    fx.stop().await;
}

crate::on_both_backends!(
    internal_destinations_and_header_injection_are_refused_at_create,
    a_name_or_literal_that_leads_to_loopback_is_refused_when_sending,
    hop_by_hop_webhook_headers_are_refused_at_create,
);
