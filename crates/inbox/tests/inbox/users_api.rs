//! The JSON API of users, as an admin, an agent and the configurator use it.

use crate::support::instance::{ADMIN, CONFIGURATOR};
use crate::support::{token_for, Instance, Spec, PASSWORD};
use serde_json::{json, Value};

#[tokio::test]
async fn health_answers_healthy_with_the_instance_id_without_authentication() {
    let instance = Instance::start(Spec::default()).await;

    let (status, body) = instance.anonymous().get("/api/v1/status/health").await;

    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "healthy", "instance_id": instance.spec.instance_id})
    );
}

#[tokio::test]
async fn a_user_gets_a_token_for_its_password_and_is_known_by_it() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;

    let response = token_for(&instance, "ana", PASSWORD).await;

    assert_eq!(response.status(), 200);
    let token: Value = response.json().await.unwrap();
    let (status, me) = instance
        .api(token["token"].as_str().unwrap())
        .get("/api/v1/users/current/")
        .await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "ana");
    assert_eq!(me["role"], "agent");
    assert_eq!(me["is_active"], true);
    assert!(me["date_joined"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn a_wrong_password_gets_the_django_rest_framework_error() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;

    let response = token_for(&instance, "ana", "not the password").await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"non_field_errors": ["Unable to log in with provided credentials."]})
    );
}

#[tokio::test]
async fn requests_without_a_token_or_with_an_unknown_one_get_401() {
    let instance = Instance::start(Spec::default()).await;

    let missing = reqwest::get(instance.url("/api/v1/users/")).await.unwrap();
    let (unknown_status, unknown) = instance.api("nope").get("/api/v1/users/").await;

    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Token");
    let body: Value = missing.json().await.unwrap();
    assert_eq!(
        body,
        json!({"detail": "Authentication credentials were not provided."})
    );
    assert_eq!(unknown_status, 401);
    assert_eq!(unknown, json!({"detail": "Invalid token."}));
}

#[tokio::test]
async fn the_configurator_token_from_the_bootstrap_manages_users() {
    let instance = Instance::start(Spec::default()).await;
    let configurator = instance.configurator();

    let (_, me) = configurator.get("/api/v1/users/current/").await;
    let ana = instance.add_user("ana", "agent").await;
    let (deleted, _) = configurator
        .delete(&format!("/api/v1/users/{}/", ana["id"]))
        .await;
    let (_, list) = configurator.get("/api/v1/users/").await;

    assert_eq!(me["username"], CONFIGURATOR);
    assert_eq!(me["role"], "configurator");
    assert_eq!(deleted, 204);
    let names: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, [ADMIN, CONFIGURATOR]);
}

#[tokio::test]
async fn adding_a_user_past_the_seat_limit_is_refused_with_the_limit_named() {
    let instance = Instance::start(Spec {
        seats: 2,
        ..Spec::default()
    })
    .await;
    instance.add_user("ana", "agent").await;

    let (status, body) = instance
        .configurator()
        .post(
            "/api/v1/users/",
            json!({"username": "bruno", "password": PASSWORD}),
        )
        .await;

    assert_eq!(status, 403);
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("at most 2 users"), "{detail}");
}

#[tokio::test]
async fn an_agent_can_list_users_but_not_add_or_remove_them() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let ana = instance.signed_in("ana").await;

    let (list, _) = ana.get("/api/v1/users/").await;
    let (add, _) = ana
        .post(
            "/api/v1/users/",
            json!({"username": "bruno", "password": PASSWORD}),
        )
        .await;
    let (remove, body) = ana.delete("/api/v1/users/1/").await;

    assert_eq!(list, 200);
    assert_eq!(add, 403);
    assert_eq!(remove, 403);
    assert_eq!(
        body,
        json!({"detail": "You do not have permission to perform this action."})
    );
}

#[tokio::test]
async fn nobody_deletes_themselves_or_the_configurator() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("boss", "admin").await;
    let boss = instance.signed_in("boss").await;
    let (_, me) = boss.get("/api/v1/users/current/").await;

    let (itself, _) = boss.delete(&format!("/api/v1/users/{}/", me["id"])).await;
    let (configurator, body) = boss.delete("/api/v1/users/2/").await;
    let (unknown, _) = boss.delete("/api/v1/users/999/").await;

    assert_eq!(itself, 403);
    assert_eq!(configurator, 403);
    assert_eq!(
        body,
        json!({"detail": "The configurator user cannot be deleted."})
    );
    assert_eq!(unknown, 404);
}

#[tokio::test]
async fn an_invalid_new_user_gets_an_error_for_each_field() {
    let instance = Instance::start(Spec::default()).await;
    let configurator = instance.configurator();

    let invalid = json!({"username": "has space", "password": "short", "email": "nope", "role": "configurator"});
    let (status, errors) = configurator.post("/api/v1/users/", invalid).await;
    let taken = json!({"username": "ADMIN@example.com", "password": PASSWORD});
    let (duplicate, duplicate_errors) = configurator.post("/api/v1/users/", taken).await;

    assert_eq!(status, 400);
    for field in ["username", "password", "email", "role"] {
        assert!(errors[field].is_array(), "{field} in {errors}");
    }
    assert_eq!(duplicate, 400);
    assert_eq!(
        duplicate_errors,
        json!({"username": ["A user with that username already exists."]})
    );
}

#[tokio::test]
async fn users_come_in_limit_offset_pages() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;

    let (_, page) = instance
        .configurator()
        .get("/api/v1/users/?limit=1&offset=1")
        .await;

    assert_eq!(page["count"], 3);
    assert_eq!(page["results"][0]["username"], CONFIGURATOR);
    assert_eq!(
        page["next"],
        "http://acme.inbox.localhost:8080/api/v1/users/?limit=1&offset=2"
    );
    assert_eq!(
        page["previous"],
        "http://acme.inbox.localhost:8080/api/v1/users/?limit=1"
    );
}

#[tokio::test]
async fn the_configurator_gets_403_on_every_messaging_endpoint_and_an_agent_does_not() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let configurator = instance.configurator();

    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/messages/"),
        (reqwest::Method::POST, "/api/v1/messages/"),
        (reqwest::Method::GET, "/api/v1/messages/123/"),
        (reqwest::Method::DELETE, "/api/v1/messages/123/"),
    ] {
        let (status, body) = configurator.call(method.clone(), path, None).await;
        assert_eq!(status, 403, "{method} {path}");
        assert_eq!(
            body,
            json!({"detail": "The configurator user cannot use messaging endpoints."})
        );
    }
    let (agent, messages) = instance
        .signed_in("ana")
        .await
        .get("/api/v1/messages/")
        .await;
    assert_eq!(agent, 200);
    assert_eq!(
        messages,
        json!({"count": 0, "next": null, "previous": null, "results": []})
    );
}

#[tokio::test]
async fn a_token_request_without_fields_names_the_missing_ones() {
    let instance = Instance::start(Spec::default()).await;

    let (status, body) = instance
        .anonymous()
        .post("/api/v1/auth/token/", json!({}))
        .await;

    assert_eq!(status, 400);
    let required = json!(["This field is required."]);
    assert_eq!(body, json!({"username": required, "password": required}));
}
