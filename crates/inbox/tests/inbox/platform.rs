//! The control plane's endpoints, and what a restart or a rewritten bootstrap file keeps.

use crate::support::{token_for, Instance, Spec, PASSWORD};
use serde_json::{json, Value};

const SETTINGS: &str = "/api/v1/platform/settings";

async fn settings(instance: &Instance) -> Value {
    let (status, body) = instance.platform().get(SETTINGS).await;
    assert_eq!(status, 200);
    body
}

#[tokio::test]
async fn the_platform_sees_the_seats_and_only_a_hint_of_the_key() {
    let instance = Instance::start(Spec::default()).await;

    let body = settings(&instance).await;

    assert_eq!(
        body,
        json!({"max_number_of_seats": 5, "seats_in_use": 1, "d360_api_key_hint": "0001", "d360_key_rejected": false, "pending_work": false})
    );
}

#[tokio::test]
async fn a_new_seat_limit_takes_effect_at_once_and_survives_a_restart() {
    let instance = Instance::start(Spec {
        seats: 2,
        ..Spec::default()
    })
    .await;
    instance.add_user("ana", "agent").await;
    let d360 = json!({"api_key": "new-key-9876", "messaging_url": "http://127.0.0.1:9/"});

    let (status, answer) = instance
        .platform()
        .put(SETTINGS, json!({"max_number_of_seats": 3, "d360": d360}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["max_number_of_seats"], 3);
    instance.add_user("bruno", "agent").await;
    let instance = instance.restart().await;

    assert_eq!(
        settings(&instance).await,
        json!({"max_number_of_seats": 3, "seats_in_use": 3, "d360_api_key_hint": "9876", "d360_key_rejected": false, "pending_work": false})
    );
}

#[tokio::test]
async fn a_rewritten_bootstrap_file_applies_its_new_seat_limit_and_key() {
    let instance = Instance::start(Spec::default()).await;
    let rewritten = Spec {
        seats: 7,
        d360_api_key: "rotated-4242".into(),
        ..instance.spec.clone()
    };

    let instance = instance.restart_with(rewritten).await;

    let body = settings(&instance).await;
    assert_eq!(body["max_number_of_seats"], 7);
    assert_eq!(body["d360_api_key_hint"], "4242");
}

#[tokio::test]
async fn users_cannot_use_the_platform_endpoints() {
    let instance = Instance::start(Spec::default()).await;

    let (configurator, _) = instance
        .configurator()
        .put(SETTINGS, json!({"max_number_of_seats": 100}))
        .await;
    let (anonymous, _) = instance.anonymous().get(SETTINGS).await;

    assert_eq!(configurator, 403);
    assert_eq!(anonymous, 401);
    assert_eq!(settings(&instance).await["max_number_of_seats"], 5);
}

#[tokio::test]
async fn an_invalid_seat_limit_is_refused_and_changes_nothing() {
    let instance = Instance::start(Spec::default()).await;

    let (status, errors) = instance
        .platform()
        .put(SETTINGS, json!({"max_number_of_seats": 0}))
        .await;

    assert_eq!(status, 400);
    assert!(errors["max_number_of_seats"].is_array(), "{errors}");
    assert_eq!(settings(&instance).await["max_number_of_seats"], 5);
}

#[tokio::test]
async fn a_lower_limit_keeps_every_user_but_refuses_new_ones_and_sign_ins_past_it() {
    let instance = Instance::start(Spec::default()).await;
    for name in ["ana", "bruno"] {
        instance.add_user(name, "agent").await;
    }

    instance
        .platform()
        .put(SETTINGS, json!({"max_number_of_seats": 2}))
        .await;

    assert_eq!(settings(&instance).await["seats_in_use"], 3);
    let (refused, _) = instance
        .configurator()
        .post(
            "/api/v1/users/",
            json!({"username": "carla", "password": PASSWORD}),
        )
        .await;
    assert_eq!(refused, 403);
    assert_eq!(token_for(&instance, "ana", PASSWORD).await.status(), 200);
    let bruno = token_for(&instance, "bruno", PASSWORD).await;
    assert_eq!(bruno.status(), 403);
    let body: Value = bruno.json().await.unwrap();
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("over the seat limit"), "{detail}");
}

#[tokio::test]
async fn a_restart_with_the_same_file_keeps_users_and_their_passwords() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;

    let instance = instance.restart().await;

    assert_eq!(token_for(&instance, "ana", PASSWORD).await.status(), 200);
    let (_, list) = instance.configurator().get("/api/v1/users/").await;
    assert_eq!(list["count"], 3);
}
