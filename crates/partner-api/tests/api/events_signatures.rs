//! Signatures checked the way a partner would: with the Standard Webhooks library, not our code.

use crate::outbox::{status_is, Fixture};
use crate::receiver::{Received, Receiver};
use crate::support::{json, Backend, TestApp};
use partner_api::domain::{PartnerId, Timestamp};
use partner_api::store::partners;
use reqwest::Method;
use standardwebhooks::Webhook;

async fn secret(app: &TestApp, key: &str) -> String {
    let (status, body) = json(app.get("/v1/webhook_secret", key).await).await;
    assert_eq!(status, 200, "{body}");
    body["secret"].as_str().unwrap().to_owned()
}

/// One token event as the receiver got it.
async fn deliver_one(fx: &Fixture) -> Received {
    let receiver = Receiver::start(vec![]).await;
    let id = fx.token_to(&receiver.url("/")).await;
    fx.wait_for(&id, status_is("delivered")).await;
    receiver.received().remove(0)
}

fn verifies(secret: &str, body: &[u8], request: &Received) -> bool {
    Webhook::new(secret)
        .unwrap()
        .verify(body, &request.headers)
        .is_ok()
}

async fn every_delivery_verifies_with_a_standard_webhooks_library(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let secret = secret(&fx.app, &fx.key).await;
    assert!(secret.starts_with("whsec_"));
    let request = deliver_one(&fx).await;

    assert!(
        verifies(&secret, &request.body, &request),
        "a valid signature"
    );
    let stranger = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(
        !verifies(stranger, &request.body, &request),
        "another key does not verify"
    );
    let tampered = [&request.body[..], b" "].concat();
    assert!(
        !verifies(&secret, &tampered, &request),
        "another body does not verify"
    );
    fx.stop().await;
}

async fn after_a_rotation_the_old_and_the_new_secret_both_verify(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let old = secret(&fx.app, &fx.key).await;
    let rotate = fx
        .app
        .request(Method::POST, "/v1/webhook_secret/rotate", &fx.key);
    let (status, rotated) = json(rotate.send().await.unwrap()).await;
    assert_eq!(status, 200);
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("whsec_") && new != old);
    assert_eq!(secret(&fx.app, &fx.key).await, new);

    let request = deliver_one(&fx).await;
    let signatures = request.headers["webhook-signature"].to_str().unwrap();
    assert_eq!(
        signatures
            .split(' ')
            .filter(|s| s.starts_with("v1,"))
            .count(),
        2,
        "{signatures}"
    );
    assert!(
        verifies(&new, &request.body, &request),
        "the new secret verifies"
    );
    assert!(
        verifies(&old, &request.body, &request),
        "the old one still does"
    );
    fx.stop().await;
}

async fn once_the_overlap_has_passed_only_the_new_secret_signs(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let old = secret(&fx.app, &fx.key).await;
    let acme = PartnerId::parse("acme").unwrap();
    let ended = Timestamp::now().plus_millis(-1);
    let new = partners::rotate_webhook_secret(fx.app.db(), &acme, ended)
        .await
        .unwrap()
        .unwrap();

    let request = deliver_one(&fx).await;
    let signatures = request.headers["webhook-signature"].to_str().unwrap();
    assert_eq!(signatures.split(' ').count(), 1, "{signatures}");
    assert!(verifies(&new, &request.body, &request));
    assert!(!verifies(&old, &request.body, &request));
    fx.stop().await;
}

async fn each_partner_has_its_own_secret_behind_its_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.new_partner("acme").await;
    let other = app.new_partner("other").await;
    assert_ne!(secret(&app, &acme).await, secret(&app, &other).await);
    let anonymous = app
        .client
        .get(app.url("/v1/webhook_secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}

crate::on_both_backends!(
    every_delivery_verifies_with_a_standard_webhooks_library,
    after_a_rotation_the_old_and_the_new_secret_both_verify,
    once_the_overlap_has_passed_only_the_new_secret_signs,
    each_partner_has_its_own_secret_behind_its_key,
);
