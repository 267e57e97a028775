//! The sign-in rate limit, per user name and per client address.

use crate::support::{token_for, Instance, Spec, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn five_wrong_passwords_from_one_address_lock_the_name_there_even_for_the_right_password() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    for _ in 0..5 {
        assert_eq!(
            token_for(&instance, "ana", "wrong password").await.status(),
            400
        );
    }

    let response = token_for(&instance, "ana", PASSWORD).await;

    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body = response.text().await.unwrap();
    assert!(body.contains("Too many failed sign-in attempts"), "{body}");
}

#[tokio::test]
async fn forty_parallel_wrong_guesses_are_evaluated_at_most_five_times() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let guesses = (0..40).map(|_| token_for(&instance, "ana", "wrong password"));

    let statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();

    let evaluated = statuses.iter().filter(|s| **s == 400).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(evaluated <= 5, "{statuses:?}");
    assert_eq!(evaluated + refused, 40, "{statuses:?}");
    assert_eq!(token_for(&instance, "ana", PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn an_address_that_fails_too_often_is_locked_out_while_others_are_not() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let client = reqwest::Client::new();
    let attempt = |from: &'static str, username: String, password: &'static str| {
        client
            .post(instance.url("/api/v1/auth/token/"))
            .header("x-forwarded-for", format!("10.9.9.9, {from}"))
            .json(&json!({"username": username, "password": password}))
            .send()
    };
    for i in 0..20 {
        attempt("203.0.113.7", format!("guess{i}"), "wrong password")
            .await
            .unwrap();
    }

    let locked = attempt("203.0.113.7", "ana".into(), PASSWORD)
        .await
        .unwrap();
    let other = attempt("198.51.100.1", "ana".into(), PASSWORD)
        .await
        .unwrap();

    assert_eq!(locked.status(), 429);
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn strangers_guessing_a_name_from_many_addresses_do_not_lock_out_its_user() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let client = reqwest::Client::new();
    let attempt = |from: String, password: &'static str| {
        client
            .post(instance.url("/api/v1/auth/token/"))
            .header("x-forwarded-for", from)
            .json(&json!({"username": "ana", "password": password}))
            .send()
    };
    let strangers = (1..=2).map(|i| async move {
        let mut statuses = Vec::new();
        for _ in 0..6 {
            let response = attempt(format!("192.0.2.{i}"), "wrong password").await;
            statuses.push(response.unwrap().status().as_u16());
        }
        statuses
    });
    let statuses = futures_util::future::join_all(strangers).await;
    assert!(
        statuses.iter().all(|s| s[..5] == [400; 5] && s[5] == 429),
        "{statuses:?}"
    );

    let from_a_stranger = attempt("192.0.2.1".into(), PASSWORD).await.unwrap();
    let from_ana = attempt("198.51.100.1".into(), PASSWORD).await.unwrap();

    assert_eq!(from_a_stranger.status(), 429);
    assert_eq!(from_ana.status(), 200);
}

#[tokio::test]
async fn a_name_without_a_password_never_signs_in() {
    let instance = Instance::start(Spec::default()).await;

    let admin_before_activation = token_for(
        &instance,
        crate::support::instance::ADMIN,
        "anything at all",
    )
    .await;
    let configurator = token_for(
        &instance,
        crate::support::instance::CONFIGURATOR,
        "anything at all",
    )
    .await;
    let nobody = token_for(&instance, "nobody", "anything at all").await;

    assert_eq!(admin_before_activation.status(), 400);
    assert_eq!(configurator.status(), 400);
    assert_eq!(nobody.status(), 400);
    // The configurator still works with its own token.
    let (status, _) = instance.configurator().get("/api/v1/users/current/").await;
    assert_eq!(status, 200);
}
