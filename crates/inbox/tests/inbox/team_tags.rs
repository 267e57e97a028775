//! Tags: admins and the configurator manage them, the team puts them on chats, every change is
//! in the chat's history and reaches every connected client.

use crate::support::instance::{inbound_secret, time_now};
use crate::support::socket::{listen, next_getchat};
use crate::support::{token_for, Api, Instance, Spec, PASSWORD};
use inbox::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};
use reqwest::Method;
use serde_json::{json, Value};

const ANA: &str = "4915112345678";
const BEN: &str = "4915187654321";

/// A customer writes, which makes the chat.
async fn customer_writes(instance: &Instance, from: &str, name: &str) {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "waba", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "4915100000001", "phone_number_id": "pn"},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [{"from": from, "id": format!("wamid.{from}"), "timestamp": time_now().to_string(),
                          "type": "text", "text": {"body": "Hello"}}]}}]}]});
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

async fn patch(api: &Api<'_>, path: &str, body: Value) -> (u16, Value) {
    api.call(Method::PATCH, path, Some(body)).await
}

/// Creates a tag as the configurator; answers its id.
async fn new_tag(instance: &Instance, name: &str, color: &str) -> i64 {
    let body = json!({"name": name, "web_inbox_color": color});
    let (status, tag) = instance.configurator().post("/api/v1/tags/", body).await;
    assert_eq!(status, 201, "{tag}");
    tag["id"].as_i64().expect("an id")
}

async fn agent<'a>(instance: &'a Instance, name: &str) -> Api<'a> {
    instance.add_user(name, "agent").await;
    instance.signed_in(name).await
}

fn names(page: &Value) -> Vec<&str> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect()
}

#[tokio::test]
async fn admins_and_the_configurator_manage_tags_and_agents_only_read_them() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("boss", "admin").await;
    let admin = instance.signed_in("boss").await;
    let agent = agent(&instance, "ana.agent").await;

    let (status, vip) = instance
        .configurator()
        .post(
            "/api/v1/tags/",
            json!({"name": " VIP ", "web_inbox_color": "#FF0000"}),
        )
        .await;
    assert_eq!(status, 201, "{vip}");
    assert_eq!(vip["name"], "VIP");
    assert_eq!(vip["web_inbox_color"], "#ff0000");
    let path = format!("/api/v1/tags/{}/", vip["id"]);
    let (status, renamed) = patch(&admin, &path, json!({"name": "Very important"})).await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(
        renamed,
        json!({"id": vip["id"], "name": "Very important", "web_inbox_color": "#ff0000"})
    );
    let (status, recoloured) = patch(&admin, &path, json!({"web_inbox_color": "#0a0"})).await;
    assert_eq!(
        (status, &recoloured["name"]),
        (200, &json!("Very important"))
    );
    assert_eq!(recoloured["web_inbox_color"], "#0a0");
    let (status, _) = admin
        .post("/api/v1/tags/", json!({"name": "Billing"}))
        .await;
    assert_eq!(status, 201, "a tag without a colour");

    let (status, list) = agent.get("/api/v1/tags/").await;
    assert_eq!(status, 200);
    assert_eq!(list["count"], 2);
    assert_eq!(names(&list), ["Billing", "Very important"]);
    assert_eq!(list["results"][0]["web_inbox_color"], "");
    let refusals = [
        agent.post("/api/v1/tags/", json!({"name": "Mine"})).await,
        patch(&agent, &path, json!({"name": "Mine"})).await,
        agent.delete(&path).await,
    ];
    for (status, body) in refusals {
        assert_eq!(status, 403);
        assert_eq!(
            body["detail"],
            "Only admins can create, change or delete tags."
        );
    }

    let (status, _) = admin.delete(&path).await;
    assert_eq!(status, 204);
    assert_eq!(admin.get(&path).await.0, 404);
    assert_eq!(patch(&admin, &path, json!({"name": "Back"})).await.0, 404);
    assert_eq!(admin.delete(&path).await.0, 404);
    assert_eq!(admin.delete("/api/v1/tags/not-a-number/").await.0, 404);
    let (_, list) = agent.get("/api/v1/tags/").await;
    assert_eq!(names(&list), ["Billing"]);
}

#[tokio::test]
async fn a_taken_name_in_any_case_a_blank_or_long_name_and_a_bad_colour_are_refused_by_field() {
    let instance = Instance::start(Spec::default()).await;
    let configurator = instance.configurator();
    new_tag(&instance, "VIP", "#ff0000").await;
    let umlaut = new_tag(&instance, "Ärger", "").await;

    let refused = [
        (
            json!({"name": "vip"}),
            "name",
            "A tag with this name already exists.",
        ),
        (
            json!({"name": "äRGER"}),
            "name",
            "A tag with this name already exists.",
        ),
        (
            json!({"name": "   "}),
            "name",
            "This field may not be blank.",
        ),
        (
            json!({"web_inbox_color": "#fff"}),
            "name",
            "This field is required.",
        ),
        (
            json!({"name": "x".repeat(51)}),
            "name",
            "Ensure this field has no more than 50 characters.",
        ),
        (
            json!({"name": "Red", "web_inbox_color": "red"}),
            "web_inbox_color",
            "Enter a colour as #rgb or #rrggbb, or leave it empty.",
        ),
        (
            json!({"name": "Red", "web_inbox_color": "#f00;background:url(//x)"}),
            "web_inbox_color",
            "Enter a colour as #rgb or #rrggbb, or leave it empty.",
        ),
    ];
    for (body, field, message) in refused {
        let (status, errors) = configurator.post("/api/v1/tags/", body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(errors, json!({ field: [message] }), "{body}");
    }
    let path = format!("/api/v1/tags/{umlaut}/");
    let (status, errors) = patch(&configurator, &path, json!({"name": "Vip"})).await;
    assert_eq!(
        (status, errors),
        (
            400,
            json!({"name": ["A tag with this name already exists."]})
        )
    );
    let (status, errors) = patch(&configurator, &path, json!({"web_inbox_color": "url(x)"})).await;
    assert_eq!(status, 400);
    assert!(errors.get("web_inbox_color").is_some(), "{errors}");
    let (status, same) = patch(&configurator, &path, json!({"name": "ÄRGER"})).await;
    assert_eq!(
        (status, &same["name"]),
        (200, &json!("ÄRGER")),
        "its own name in another case"
    );

    let (_, list) = configurator.get("/api/v1/tags/").await;
    assert_eq!(list["count"], 2, "nothing else was added: {list}");
}

#[tokio::test]
async fn a_tagged_chat_carries_its_tags_filters_the_list_and_keeps_who_did_what() {
    let instance = Instance::start(Spec::default()).await;
    customer_writes(&instance, ANA, "Ana").await;
    customer_writes(&instance, BEN, "Ben").await;
    let vip = new_tag(&instance, "VIP", "#ff0000").await;
    let billing = new_tag(&instance, "Billing", "#00f").await;
    let ana = agent(&instance, "ana.agent").await;
    let bruno = agent(&instance, "bruno.agent").await;

    let (status, tagging) = ana
        .post("/api/v1/chat_tagging/", json!({"tag": vip, "chat": ANA}))
        .await;
    assert_eq!(status, 201, "{tagging}");
    assert_eq!(tagging["tag"], vip);
    assert_eq!(tagging["chat"], ANA);
    let (status, again) = bruno
        .post(
            "/api/v1/chat_tagging/",
            json!({"tag": vip.to_string(), "chat": ANA}),
        )
        .await;
    assert_eq!(
        (status, &again),
        (200, &tagging),
        "tagging twice changes nothing"
    );
    let (status, _) = bruno
        .post(
            "/api/v1/chat_tagging/",
            json!({"tag": billing, "chat": ANA}),
        )
        .await;
    assert_eq!(status, 201);

    let (_, chat) = ana.get(&format!("/api/v1/chats/{ANA}/")).await;
    assert_eq!(
        chat["tags"],
        json!([
            {"id": vip, "name": "VIP", "web_inbox_color": "#ff0000", "tagging_id": tagging["id"]},
            {"id": billing, "name": "Billing", "web_inbox_color": "#00f",
             "tagging_id": chat["tags"][1]["tagging_id"]},
        ])
    );
    let (_, all) = ana.get("/api/v1/chats/").await;
    let ben = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["wa_id"] == BEN)
        .expect("Ben's chat");
    assert_eq!(ben["tags"], json!([]));
    let (_, only_vip) = ana.get(&format!("/api/v1/chats/?chat_tag_id={vip}")).await;
    assert_eq!(only_vip["count"], 1);
    assert_eq!(only_vip["results"][0]["wa_id"], ANA);
    assert_eq!(only_vip["results"][0]["tags"][0]["name"], "VIP");
    for unknown in ["999", "x"] {
        let (_, none) = ana
            .get(&format!("/api/v1/chats/?chat_tag_id={unknown}"))
            .await;
        assert_eq!(none["count"], 0, "chat_tag_id={unknown}");
    }

    let untag = format!("/api/v1/chat_tagging/{}/", tagging["id"]);
    assert_eq!(bruno.delete(&untag).await.0, 204);
    assert_eq!(bruno.delete(&untag).await.0, 404, "already removed");
    let (_, chat) = ana.get(&format!("/api/v1/chats/{ANA}/")).await;
    assert_eq!(chat["tags"].as_array().unwrap().len(), 1);
    assert_eq!(chat["tags"][0]["name"], "Billing");
    let (_, only_vip) = ana.get(&format!("/api/v1/chats/?chat_tag_id={vip}")).await;
    assert_eq!(only_vip["count"], 0);

    let (status, history) = ana
        .get(&format!("/api/v1/chat_tagging_events/?wa_id={ANA}"))
        .await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["count"], 3);
    let lines: Vec<(&str, &str, &str)> = history["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["chat"], ANA);
            assert!(e["timestamp"].as_i64().unwrap() >= time_now() - 60, "{e}");
            (
                e["action"].as_str().unwrap(),
                e["tag"]["name"].as_str().unwrap(),
                e["done_by"]["username"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("removed", "VIP", "bruno.agent"),
            ("added", "Billing", "bruno.agent"),
            ("added", "VIP", "ana.agent"),
        ],
        "newest first"
    );
    let (_, others) = ana
        .get(&format!("/api/v1/chat_tagging_events/?wa_id={BEN}"))
        .await;
    assert_eq!(others["count"], 0);
}

#[tokio::test]
async fn deleting_a_tag_takes_it_off_every_chat_and_the_history_still_names_it() {
    let instance = Instance::start(Spec::default()).await;
    customer_writes(&instance, ANA, "Ana").await;
    let vip = new_tag(&instance, "VIP", "#ff0000").await;
    let ana = agent(&instance, "ana.agent").await;
    ana.post("/api/v1/chat_tagging/", json!({"tag": vip, "chat": ANA}))
        .await;

    let (status, _) = instance
        .configurator()
        .delete(&format!("/api/v1/tags/{vip}/"))
        .await;

    assert_eq!(status, 204);
    let (_, chat) = ana.get(&format!("/api/v1/chats/{ANA}/")).await;
    assert_eq!(chat["tags"], json!([]));
    let (_, history) = ana
        .get(&format!("/api/v1/chat_tagging_events/?wa_id={ANA}"))
        .await;
    let latest = &history["results"][0];
    assert_eq!(
        (&latest["action"], &latest["tag"]["name"]),
        (&json!("removed"), &json!("VIP"))
    );
    assert_eq!(latest["done_by"]["username"], "service_account");
    assert_eq!(history["count"], 2);
}

#[tokio::test]
async fn tagging_an_unknown_chat_is_not_found_and_an_unknown_tag_names_the_field() {
    let instance = Instance::start(Spec::default()).await;
    customer_writes(&instance, ANA, "Ana").await;
    let vip = new_tag(&instance, "VIP", "").await;
    let ana = agent(&instance, "ana.agent").await;

    for chat in [
        json!("4915199999999"),
        json!("not a number"),
        json!(4915199999999_i64),
    ] {
        let (status, body) = ana
            .post("/api/v1/chat_tagging/", json!({"tag": vip, "chat": chat}))
            .await;
        assert_eq!((status, body), (404, json!({"detail": "Not found."})));
    }
    let (status, body) = ana
        .post("/api/v1/chat_tagging/", json!({"tag": 999, "chat": ANA}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"tag": ["Invalid pk \"999\" - object does not exist."]})
    );
    let (status, body) = ana.post("/api/v1/chat_tagging/", json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"tag": ["This field is required."], "chat": ["This field is required."]})
    );
    assert_eq!(ana.delete("/api/v1/chat_tagging/12345/").await.0, 404);
    let (status, body) = ana.get("/api/v1/chat_tagging_events/").await;
    assert_eq!(
        (status, body),
        (400, json!({"wa_id": ["This field is required."]}))
    );
    let unknown = ana
        .get("/api/v1/chat_tagging_events/?wa_id=4915199999999")
        .await;
    assert_eq!(unknown.0, 404);
    let (_, history) = ana
        .get(&format!("/api/v1/chat_tagging_events/?wa_id={ANA}"))
        .await;
    assert_eq!(history["count"], 0, "nothing was recorded");
}

#[tokio::test]
async fn the_configurator_manages_tags_but_does_not_tag_chats() {
    let instance = Instance::start(Spec::default()).await;
    customer_writes(&instance, ANA, "Ana").await;
    let vip = new_tag(&instance, "VIP", "").await;
    let configurator = instance.configurator();

    let tagging = configurator
        .post("/api/v1/chat_tagging/", json!({"tag": vip, "chat": ANA}))
        .await;
    let history = configurator
        .get(&format!("/api/v1/chat_tagging_events/?wa_id={ANA}"))
        .await;

    for (status, body) in [tagging, history] {
        assert_eq!(status, 403);
        assert_eq!(
            body["detail"],
            "The configurator user cannot use messaging endpoints."
        );
    }
}

/// The token a user signs in with, for the push channel.
async fn token_of(instance: &Instance, username: &str) -> String {
    let body: Value = token_for(instance, username, PASSWORD)
        .await
        .json()
        .await
        .expect("json");
    body["token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn tagging_untagging_and_deleting_a_tag_reach_every_connected_client() {
    let instance = Instance::start(Spec::default()).await;
    customer_writes(&instance, ANA, "Ana").await;
    let vip = new_tag(&instance, "VIP", "#ff0000").await;
    let ana = agent(&instance, "ana.agent").await;
    instance.add_user("bruno.agent", "agent").await;
    let mut watchers = [
        listen(&instance, &token_of(&instance, "ana.agent").await).await,
        listen(&instance, &token_of(&instance, "bruno.agent").await).await,
    ];

    let (_, tagging) = ana
        .post("/api/v1/chat_tagging/", json!({"tag": vip, "chat": ANA}))
        .await;
    for socket in &mut watchers {
        let added = next_getchat(socket, "chat_tagging").await;
        assert_eq!(added["action"], "added");
        assert_eq!(added["chat"], ANA);
        assert_eq!(
            added["tag"],
            json!({"id": vip, "name": "VIP", "web_inbox_color": "#ff0000", "tagging_id": tagging["id"]})
        );
        assert_eq!(added["done_by"]["username"], "ana.agent");
        assert!(added["timestamp"].is_i64(), "{added}");
    }
    ana.delete(&format!("/api/v1/chat_tagging/{}/", tagging["id"]))
        .await;
    for socket in &mut watchers {
        let removed = next_getchat(socket, "chat_tagging").await;
        assert_eq!(
            (&removed["action"], &removed["tag"]["id"]),
            (&json!("removed"), &json!(vip))
        );
    }
    ana.post("/api/v1/chat_tagging/", json!({"tag": vip, "chat": ANA}))
        .await;
    instance
        .configurator()
        .delete(&format!("/api/v1/tags/{vip}/"))
        .await;
    for socket in &mut watchers {
        let again = next_getchat(socket, "chat_tagging").await;
        assert_eq!(again["action"], "added");
        let gone = next_getchat(socket, "chat_tagging").await;
        assert_eq!(
            (&gone["action"], &gone["chat"]),
            (&json!("removed"), &json!(ANA))
        );
        assert_eq!(gone["done_by"]["username"], "service_account");
    }
}
