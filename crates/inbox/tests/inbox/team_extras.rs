//! Saved responses, resolve (and reopening by the customer), availability, password change and
//! the business profile, through HTTP and the push channel.

use crate::fake_d360::FakeD360;
use crate::support::instance::{inbound_secret, time_now};
use crate::support::socket::{listen, next_getchat};
use crate::support::web::{location, sign_in};
use crate::support::{browser_client, token_for, Api, Instance, Spec, PASSWORD};
use inbox::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};
use reqwest::Method;
use serde_json::{json, Value};

const CUSTOMER: &str = "4915112345678";
const NEW_PASSWORD: &str = "a much longer passphrase";

async fn patch(api: &Api<'_>, path: &str, body: Value) -> (u16, Value) {
    api.call(Method::PATCH, path, Some(body)).await
}

/// A customer writes, as 360Dialog would post it.
async fn customer_writes(instance: &Instance, wamid: &str, text: &str) {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "waba", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "4915100000001", "phone_number_id": "pn"},
            "contacts": [{"profile": {"name": "Carla"}, "wa_id": CUSTOMER}],
            "messages": [{"from": CUSTOMER, "id": wamid, "timestamp": time_now().to_string(),
                          "type": "text", "text": {"body": text}}]}}]}]});
    let status = reqwest::Client::new()
        .post(instance.url(INBOUND_WEBHOOK_PATH))
        .header(INBOUND_SECRET_HEADER, inbound_secret(&instance.spec))
        .json(&body)
        .send()
        .await
        .expect("request")
        .status();
    assert_eq!(status, 200);
}

async fn token(instance: &Instance, username: &str, password: &str) -> (u16, String) {
    let response = token_for(instance, username, password).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (
        status,
        body["token"].as_str().unwrap_or_default().to_owned(),
    )
}

// --- saved responses ---

#[tokio::test]
async fn a_saved_response_is_shared_with_the_team_and_only_its_author_or_an_admin_deletes_it() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    instance.add_user("bo", "agent").await;
    let (ana, bo) = (
        instance.signed_in("ana").await,
        instance.signed_in("bo").await,
    );

    let (status, saved) = ana
        .post(
            "/api/v1/saved_responses/",
            json!({"text": "Thanks, <b>we're on it</b>!"}),
        )
        .await;
    assert_eq!(status, 201, "{saved}");
    let id = saved["id"].as_i64().expect("an id");
    let (_, listed) = bo.get("/api/v1/saved_responses/").await;
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["results"][0]["text"], "Thanks, <b>we're on it</b>!");
    assert_eq!(listed["results"][0]["created_by"], saved["created_by"]);
    assert!(listed["results"][0]["timestamp"].as_i64().unwrap() > 0);

    let path = format!("/api/v1/saved_responses/{id}/");
    let (status, refused) = bo.delete(&path).await;
    assert_eq!(status, 403);
    assert!(
        refused["detail"].as_str().unwrap().contains("author"),
        "{refused}"
    );
    assert_eq!(ana.delete(&path).await.0, 204);
    assert_eq!(ana.delete(&path).await.0, 404);

    bo.post("/api/v1/saved_responses/", json!({"text": "Bye"}))
        .await;
    let (_, listed) = bo.get("/api/v1/saved_responses/").await;
    let id = listed["results"][0]["id"].as_i64().unwrap();
    let by_configurator = instance
        .configurator()
        .delete(&format!("/api/v1/saved_responses/{id}/"))
        .await;
    assert_eq!(by_configurator.0, 204);
    assert_eq!(bo.get("/api/v1/saved_responses/").await.1["count"], 0);
}

#[tokio::test]
async fn a_blank_or_missing_saved_response_text_is_refused_with_the_field() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let ana = instance.signed_in("ana").await;

    for body in [json!({"text": "   "}), json!({}), json!({"text": 5})] {
        let (status, errors) = ana.post("/api/v1/saved_responses/", body).await;
        assert_eq!(status, 400);
        assert!(errors["text"][0].is_string(), "{errors}");
    }
    let (status, _) = ana
        .post(
            "/api/v1/saved_responses/",
            json!({"text": "x".repeat(4097)}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(ana.get("/api/v1/saved_responses/").await.1["count"], 0);
    assert_eq!(
        ana.delete("/api/v1/saved_responses/999/").await.0,
        404,
        "unknown id"
    );
}

// --- resolve ---

#[tokio::test]
async fn a_resolved_chat_shows_as_resolved_until_the_customer_writes_again() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let ana = instance.signed_in("ana").await;
    customer_writes(&instance, "wamid.R1", "My parcel is late").await;
    let chat = format!("/api/v1/chats/{CUSTOMER}/");
    assert_eq!(ana.get(&chat).await.1["is_resolved"], false);

    let (status, resolved) = patch(
        &ana,
        &format!("/api/v1/chats/{CUSTOMER}/resolve"),
        json!({"resolved": true}),
    )
    .await;

    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["is_resolved"], true);
    assert!(resolved["resolved_at"].as_i64().unwrap() > 0);
    assert_eq!(ana.get(&chat).await.1["is_resolved"], true);
    let (_, listed) = ana.get("/api/v1/chats/").await;
    assert_eq!(listed["results"][0]["is_resolved"], true);

    customer_writes(&instance, "wamid.R2", "Still waiting").await;
    assert_eq!(ana.get(&chat).await.1["is_resolved"], false);

    // And by hand, with the trailing slash.
    let path = format!("/api/v1/chats/{CUSTOMER}/resolve/");
    patch(&ana, &path, json!({"resolved": true})).await;
    let (status, reopened) = patch(&ana, &path, json!({"resolved": false})).await;
    assert_eq!(status, 200);
    assert_eq!(reopened["is_resolved"], false);
    assert_eq!(reopened["resolved_at"], Value::Null);
}

#[tokio::test]
async fn resolving_an_unknown_chat_is_404_a_bad_body_400_and_the_configurator_403() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let ana = instance.signed_in("ana").await;
    customer_writes(&instance, "wamid.R1", "Hi").await;

    let unknown = patch(
        &ana,
        "/api/v1/chats/4915199999999/resolve",
        json!({"resolved": true}),
    )
    .await;
    assert_eq!(unknown.0, 404);
    assert_eq!(
        patch(
            &ana,
            "/api/v1/chats/not-a-number/resolve",
            json!({"resolved": true})
        )
        .await
        .0,
        404
    );
    let path = format!("/api/v1/chats/{CUSTOMER}/resolve");
    for body in [json!({}), json!({"resolved": "maybe"})] {
        let (status, errors) = patch(&ana, &path, body).await;
        assert_eq!(status, 400);
        assert!(errors["resolved"][0].is_string(), "{errors}");
    }
    let configurator = patch(&instance.configurator(), &path, json!({"resolved": true})).await;
    assert_eq!(configurator.0, 403);
    assert_eq!(
        ana.get(&format!("/api/v1/chats/{CUSTOMER}/")).await.1["is_resolved"],
        false
    );
}

#[tokio::test]
async fn an_agent_who_may_not_see_a_chat_cannot_resolve_it_and_learns_nothing() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    instance.add_user("boss", "admin").await;
    let (ana, boss) = (
        instance.signed_in("ana").await,
        instance.signed_in("boss").await,
    );
    customer_writes(&instance, "wamid.V1", "Hi").await;
    // The admin's setting "agents see only their own chats"; the chat is nobody's.
    let own = json!({"agent_chat_visibility": "own"});
    assert_eq!(patch(&boss, "/api/v1/settings/team/", own).await.0, 200);
    let path = format!("/api/v1/chats/{CUSTOMER}/resolve");

    let hidden = patch(&ana, &path, json!({"resolved": true})).await;
    let unknown = patch(
        &ana,
        "/api/v1/chats/4915199999999/resolve",
        json!({"resolved": true}),
    )
    .await;

    assert_eq!(
        hidden, unknown,
        "the same answer as for a chat that does not exist"
    );
    assert_eq!(hidden.0, 404);
    let (_, chat) = boss.get(&format!("/api/v1/chats/{CUSTOMER}/")).await;
    assert_eq!(chat["is_resolved"], false);
    assert_eq!(patch(&boss, &path, json!({"resolved": true})).await.0, 200);
}

// --- availability ---

#[tokio::test]
async fn people_set_their_own_availability_and_admins_anyones() {
    let instance = Instance::start(Spec::default()).await;
    let bo_id = instance.add_user("bo", "agent").await["id"]
        .as_i64()
        .unwrap();
    let ana_id = instance.add_user("ana", "agent").await["id"]
        .as_i64()
        .unwrap();
    instance.add_user("boss", "admin").await;
    let (ana, boss) = (
        instance.signed_in("ana").await,
        instance.signed_in("boss").await,
    );
    let (_, me) = ana.get("/api/v1/users/current/").await;
    assert_eq!(me["profile"]["is_available"], true);
    let (_, feature) = ana.get("/api/v1/settings/useravailability/").await;
    assert_eq!(feature, json!({"feature_set_enabled": true}));

    let (status, answer) = patch(
        &ana,
        &format!("/api/v1/users/{ana_id}/availability"),
        json!({"is_available": false}),
    )
    .await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["is_available"], false);
    let (_, me) = ana.get("/api/v1/users/current/").await;
    assert_eq!(me["profile"]["is_available"], false);
    let bo_path = format!("/api/v1/users/{bo_id}/availability");
    assert_eq!(
        patch(&ana, &bo_path, json!({"is_available": false}))
            .await
            .0,
        403
    );
    assert_eq!(
        patch(&boss, &bo_path, json!({"is_available": false}))
            .await
            .0,
        200
    );
    let (_, bo) = boss.get(&format!("/api/v1/users/{bo_id}/")).await;
    assert_eq!(bo["profile"]["is_available"], false);
    assert_eq!(
        patch(
            &boss,
            "/api/v1/users/9999/availability",
            json!({"is_available": true})
        )
        .await
        .0,
        404
    );
    let (status, errors) = patch(&boss, &bo_path, json!({"available": true})).await;
    assert_eq!(status, 400);
    assert!(errors["is_available"][0].is_string(), "{errors}");
}

// --- password change ---

#[tokio::test]
async fn a_password_change_keeps_this_token_and_ends_the_others() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let (_, this_token) = token(&instance, "ana", PASSWORD).await;
    let (_, other_token) = token(&instance, "ana", PASSWORD).await;
    let ana = instance.api(&this_token);
    let browser = browser_client();
    sign_in(&browser, &instance, "/inbox/login", "ana", PASSWORD).await;
    let page = browser.get(instance.url("/inbox/")).send().await.unwrap();
    assert_eq!(page.status(), 200, "signed in to the web inbox");

    let (status, answer) = ana
        .put(
            "/api/v1/users/password/change/",
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(ana.get("/api/v1/users/current/").await.0, 200);
    let other = instance.api(&other_token);
    assert_eq!(other.get("/api/v1/users/current/").await.0, 401);
    let page = browser.get(instance.url("/inbox/")).send().await.unwrap();
    assert!(page.status().is_redirection(), "{}", page.status());
    assert!(
        location(&page).starts_with("/inbox/login"),
        "{}",
        location(&page)
    );
    assert_eq!(token(&instance, "ana", PASSWORD).await.0, 400);
    assert_eq!(token(&instance, "ana", NEW_PASSWORD).await.0, 200);
}

#[tokio::test]
async fn a_wrong_current_password_or_a_weak_new_one_changes_nothing() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let ana = instance.signed_in("ana").await;
    let path = "/api/v1/users/password/change/";

    let (status, errors) = ana
        .put(
            path,
            json!({"current_password": "not it at all", "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(errors["current_password"][0].is_string(), "{errors}");

    let (status, errors) = ana
        .put(
            path,
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(errors["new_password"][0]
        .as_str()
        .unwrap()
        .contains("short"));

    let (status, errors) = ana
        .put(
            path,
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                   "new_password_repeat": "something else entirely"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(errors["new_password"][0]
        .as_str()
        .unwrap()
        .contains("match"));

    let (status, errors) = ana.put(path, json!({"new_password": NEW_PASSWORD})).await;
    assert_eq!(status, 400);
    assert!(errors["current_password"][0].is_string(), "{errors}");

    assert_eq!(token(&instance, "ana", PASSWORD).await.0, 200);
    let (status, refused) = instance
        .configurator()
        .put(
            path,
            json!({"current_password": "", "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, 403);
    assert!(refused["detail"].as_str().unwrap().contains("configurator"));
}

#[tokio::test]
async fn guessing_the_current_password_with_a_token_is_locked_like_signing_in() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let ana = instance.signed_in("ana").await;
    let path = "/api/v1/users/password/change/";
    let guess = |current: &str| json!({"current_password": current, "new_password": NEW_PASSWORD});

    let mut answers = Vec::new();
    for n in 0..6 {
        answers.push(ana.put(path, guess(&format!("guess number {n}"))).await.0);
    }

    assert_eq!(answers, [400, 400, 400, 400, 400, 429]);
    assert_eq!(ana.put(path, guess(PASSWORD)).await.0, 429);
    // Signing in from here is locked for ana too: the same counter.
    assert_eq!(token(&instance, "ana", PASSWORD).await.0, 429);
}

// --- business profile ---

#[tokio::test]
async fn the_business_profile_is_read_from_360dialog_and_changed_there_by_admins() {
    let instance = Instance::start(Spec::default()).await;
    let d360 = FakeD360::start(vec![]).await;
    d360.serve(&instance, 0).await;
    instance.add_user("ana", "agent").await;
    let ana = instance.signed_in("ana").await;
    let path = "/api/v1/settings/business/profile/";

    let (status, profile) = ana.get(path).await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(
        profile,
        json!({"about": "Hello from the shop", "address": "", "description": "", "email": "",
               "vertical": "RETAIL", "websites": []})
    );

    let change = json!({"about": "Open 9 to 5", "websites": ["https://shop.example"]});
    assert_eq!(patch(&ana, path, change.clone()).await.0, 403);
    let (status, changed) = patch(&instance.configurator(), path, change).await;

    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["about"], "Open 9 to 5");
    assert_eq!(changed["websites"], json!(["https://shop.example"]));
    assert_eq!(d360.profile()["about"], "Open 9 to 5");
    assert_eq!(
        ana.get(path).await.1["websites"],
        json!(["https://shop.example"])
    );
    // The About text alone, in the shape get.chat's front-end reads and writes.
    let about = "/api/v1/settings/profile/about/";
    let (_, read) = ana.get(about).await;
    assert_eq!(read["settings"]["profile"]["about"]["text"], "Open 9 to 5");
    assert_eq!(
        patch(&ana, about, json!({"text": "Back at 9"})).await.0,
        403
    );
    let (status, written) = patch(
        &instance.configurator(),
        about,
        json!({"text": "Back at 9"}),
    )
    .await;
    assert_eq!(status, 200, "{written}");
    assert_eq!(written["settings"]["profile"]["about"]["text"], "Back at 9");
    assert_eq!(d360.profile()["about"], "Back at 9");
}

#[tokio::test]
async fn a_bad_profile_is_refused_by_field_and_never_reaches_360dialog() {
    let instance = Instance::start(Spec::default()).await;
    let d360 = FakeD360::start(vec![]).await;
    d360.serve(&instance, 0).await;
    let before = d360.profile();

    let (status, errors) = patch(
        &instance.configurator(),
        "/api/v1/settings/business/profile/",
        json!({"email": "not an address", "vertical": "SPACESHIPS", "about": "a".repeat(140),
               "websites": ["https://a.example", "https://b.example", "https://c.example"]}),
    )
    .await;

    assert_eq!(status, 400);
    for field in ["email", "vertical", "about", "websites"] {
        assert!(errors[field][0].is_string(), "{field}: {errors}");
    }
    assert_eq!(d360.profile(), before);
}

#[tokio::test]
async fn while_360dialog_is_down_a_change_is_refused_with_503_and_the_last_copy_is_shown() {
    let instance = Instance::start(Spec::default()).await;
    let d360 = FakeD360::start(vec![]).await;
    d360.serve(&instance, 0).await;
    let configurator = instance.configurator();
    let path = "/api/v1/settings/business/profile/";
    let (_, known) = configurator.get(path).await;
    d360.set_down(true);

    let (status, refused) = patch(&configurator, path, json!({"about": "Closed today"})).await;

    assert_eq!(status, 503, "{refused}");
    assert!(refused["detail"].as_str().unwrap().contains("360Dialog"));
    assert_eq!(d360.profile()["about"], "Hello from the shop");
    assert_eq!(configurator.get(path).await, (200, known));
}

// --- push ---

#[tokio::test]
async fn resolving_reopening_and_availability_reach_every_connected_client() {
    let instance = Instance::start(Spec::default()).await;
    let ana_id = instance.add_user("ana", "agent").await["id"].clone();
    instance.add_user("bo", "agent").await;
    let (_, ana_token) = token(&instance, "ana", PASSWORD).await;
    let (_, bo_token) = token(&instance, "bo", PASSWORD).await;
    let ana = instance.api(&ana_token);
    customer_writes(&instance, "wamid.P1", "Hello?").await;
    let mut bo_socket = listen(&instance, &bo_token).await;

    let path = format!("/api/v1/chats/{CUSTOMER}/resolve");
    patch(&ana, &path, json!({"resolved": true})).await;
    let resolved = next_getchat(&mut bo_socket, "chat_resolved").await;
    assert_eq!(resolved["wa_id"], CUSTOMER);
    assert_eq!(resolved["resolved"], true);
    assert_eq!(resolved["done_by"]["username"], "ana");

    customer_writes(&instance, "wamid.P2", "Hello again").await;
    let reopened = next_getchat(&mut bo_socket, "chat_resolved").await;
    assert_eq!(reopened["wa_id"], CUSTOMER);
    assert_eq!(reopened["resolved"], false);
    assert_eq!(reopened["done_by"], Value::Null);

    let availability = format!("/api/v1/users/{ana_id}/availability");
    patch(&ana, &availability, json!({"is_available": false})).await;
    let changed = next_getchat(&mut bo_socket, "user_availability").await;
    assert_eq!(changed["user"]["id"], ana_id);
    assert_eq!(changed["is_available"], false);
    assert_eq!(changed["user"]["profile"]["is_available"], false);
}
