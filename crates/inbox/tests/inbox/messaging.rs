//! The Integration API's conversations, with 360Dialog's webhooks posted as 360Dialog would.

use crate::support::instance::{inbound_secret, time_now};
use crate::support::{Instance, Spec};
use inbox::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};
use serde_json::{json, Value};

const ANA: &str = "4915112345678";

fn text_webhook(wamid: &str, from: &str, name: &str, body: &str, timestamp: i64) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "waba", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "4915100000001", "phone_number_id": "pn"},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": timestamp.to_string(),
                          "type": "text", "text": {"body": body}}]}}]}]})
}

/// Posts a webhook body as 360Dialog does; answers the status.
async fn deliver(instance: &Instance, body: &Value, secret: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(instance.url(INBOUND_WEBHOOK_PATH))
        .json(body);
    if let Some(secret) = secret {
        request = request.header(INBOUND_SECRET_HEADER, secret);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn agent(instance: &Instance) -> crate::support::Api<'_> {
    instance.add_user("ana.agent", "agent").await;
    instance.signed_in("ana.agent").await
}

#[tokio::test]
async fn a_customer_message_becomes_a_chat_with_one_unread_message_even_when_repeated() {
    let instance = Instance::start(Spec::default()).await;
    let secret = inbound_secret(&instance.spec);
    let agent = agent(&instance).await;
    let body = text_webhook(
        "wamid.A1",
        ANA,
        "Ana López",
        "Hola, is my order ready?",
        time_now(),
    );

    assert_eq!(deliver(&instance, &body, Some(&secret)).await, 200);
    assert_eq!(deliver(&instance, &body, Some(&secret)).await, 200);

    let (status, chats) = agent.get("/api/v1/chats/").await;
    assert_eq!(status, 200, "{chats}");
    assert_eq!(chats["count"], 1);
    let chat = &chats["results"][0];
    assert_eq!(chat["wa_id"], ANA);
    assert_eq!(chat["new_messages"], 1);
    assert_eq!(
        chat["contact"]["waba_payload"]["profile"]["name"],
        "Ana López"
    );
    assert_eq!(chat["contact"]["initials"], "AL");
    assert_eq!(
        chat["last_message"]["waba_payload"]["text"]["body"],
        "Hola, is my order ready?"
    );
    let (_, messages) = agent.get(&format!("/api/v1/messages/?wa_id={ANA}")).await;
    assert_eq!(messages["count"], 1);
    let message = &messages["results"][0];
    assert_eq!(message["waba_payload"]["id"], "wamid.A1");
    assert_eq!(message["from_us"], false);
    assert_eq!(message["customer_wa_id"], ANA);
    assert_eq!(message["sender"], Value::Null);
}

#[tokio::test]
async fn a_webhook_without_the_secret_or_with_a_forged_one_is_refused_and_nothing_is_stored() {
    let instance = Instance::start(Spec::default()).await;
    let agent = agent(&instance).await;
    let body = text_webhook("wamid.F1", ANA, "Mallory", "forged", time_now());

    assert_eq!(deliver(&instance, &body, None).await, 403);
    assert_eq!(deliver(&instance, &body, Some("guessed")).await, 403);

    let (_, chats) = agent.get("/api/v1/chats/").await;
    assert_eq!(chats["count"], 0);
}

#[tokio::test]
async fn malformed_bodies_and_odd_messages_never_cause_a_server_error() {
    let instance = Instance::start(Spec::default()).await;
    let secret = inbound_secret(&instance.spec);
    let agent = agent(&instance).await;
    let malformed = reqwest::Client::new()
        .post(instance.url(INBOUND_WEBHOOK_PATH))
        .header(INBOUND_SECRET_HEADER, &secret)
        .header("content-type", "application/json")
        .body("{\"entry\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let odd = json!({"entry": [{"changes": [{"value": {
        "messages": [{"from": ANA, "id": "wamid.U1", "timestamp": "1", "type": "hologram"},
                     {"from": "not a number", "id": "wamid.U2", "type": "text"}],
        "statuses": [{"id": "wamid.never-sent", "status": "read", "timestamp": "2"}]}}]}]});

    assert_eq!(deliver(&instance, &odd, Some(&secret)).await, 200);

    let (_, messages) = agent.get("/api/v1/messages/").await;
    assert_eq!(messages["count"], 1, "{messages}");
    assert_eq!(
        messages["results"][0]["waba_payload"]["type"],
        "unsupported"
    );
}

#[tokio::test]
async fn search_finds_chats_by_name_number_and_message_text_and_messages_by_text() {
    let instance = Instance::start(Spec::default()).await;
    let secret = inbound_secret(&instance.spec);
    let agent = agent(&instance).await;
    let now = time_now();
    for (i, (from, name, text)) in [
        (ANA, "Ana López", "Where is my parcel?"),
        ("4915198765432", "Bruno", "Thanks for the quick answer"),
    ]
    .iter()
    .enumerate()
    {
        let body = text_webhook(&format!("wamid.S{i}"), from, name, text, now + i as i64);
        assert_eq!(deliver(&instance, &body, Some(&secret)).await, 200);
    }

    let names = |page: &Value| -> Vec<String> {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["wa_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = agent.get("/api/v1/chats/").await;
    assert_eq!(names(&all), ["4915198765432", ANA], "most recent first");
    let (_, by_text) = agent.get("/api/v1/chats/?search=parc").await;
    assert_eq!(names(&by_text), [ANA]);
    let (_, by_name) = agent.get("/api/v1/chats/?search=brun").await;
    assert_eq!(names(&by_name), ["4915198765432"]);
    let (_, by_number) = agent.get("/api/v1/chats/?search=98765").await;
    assert_eq!(names(&by_number), ["4915198765432"]);
    let (_, messages) = agent.get("/api/v1/messages/?search=quick%20answer").await;
    assert_eq!(messages["count"], 1);
    let (_, nothing) = agent.get("/api/v1/messages/?search=%22%20OR%20NEAR(").await;
    assert_eq!(nothing["count"], 0);
}

#[tokio::test]
async fn marking_as_received_clears_the_unread_count_and_the_unread_filter() {
    let instance = Instance::start(Spec::default()).await;
    let secret = inbound_secret(&instance.spec);
    let agent = agent(&instance).await;
    let now = time_now();
    let body = text_webhook("wamid.R1", ANA, "Ana", "one", now);
    assert_eq!(deliver(&instance, &body, Some(&secret)).await, 200);
    let (_, unread) = agent.get("/api/v1/chats/?unread=true").await;
    assert_eq!(unread["count"], 1);

    let (status, answer) = agent
        .post(
            "/api/v1/mark_as_received/",
            json!({"customer_wa_id": ANA, "timestamp": now}),
        )
        .await;

    assert_eq!(status, 200, "{answer}");
    let (_, chat) = agent.get(&format!("/api/v1/chats/{ANA}/")).await;
    assert_eq!(chat["new_messages"], 0);
    let (_, unread) = agent.get("/api/v1/chats/?unread=true").await;
    assert_eq!(unread["count"], 0);
}

#[tokio::test]
async fn a_free_form_message_to_a_number_that_never_wrote_is_refused_with_453() {
    let instance = Instance::start(Spec::default()).await;
    let agent = agent(&instance).await;

    let (status, body) = agent
        .post(
            "/api/v1/messages/",
            json!({"wa_id": ANA, "type": "text", "text": {"body": "Hi"}}),
        )
        .await;

    assert_eq!(status, 453, "{body}");
    assert!(body["reason"].as_str().unwrap().contains("24 hours"));
    let (_, messages) = agent.get("/api/v1/messages/").await;
    assert_eq!(messages["count"], 0, "nothing was kept");
}

#[tokio::test]
async fn a_send_with_bad_fields_names_each_of_them() {
    let instance = Instance::start(Spec::default()).await;
    let agent = agent(&instance).await;

    let (status, body) = agent
        .post(
            "/api/v1/messages/",
            json!({"wa_id": "nope", "type": "text", "text": {}}),
        )
        .await;

    assert_eq!(status, 400);
    assert!(
        body["wa_id"].is_array() && body["text"].is_array(),
        "{body}"
    );
}

#[tokio::test]
async fn the_configurator_gets_403_on_every_messaging_endpoint() {
    let instance = Instance::start(Spec::default()).await;
    let configurator = instance.configurator();

    for path in [
        "/api/v1/chats/",
        "/api/v1/messages/",
        "/api/v1/persons/",
        "/api/v1/contacts/",
    ] {
        let (status, body) = configurator.get(path).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    let (status, _) = configurator
        .post(
            "/api/v1/messages/",
            json!({"wa_id": ANA, "type": "text", "text": {"body": "x"}}),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_web_front_ends_boot_calls_answer_in_get_chats_shapes() {
    let instance = Instance::start(Spec::default()).await;
    let agent = agent(&instance).await;

    let (status, me) = agent.get("/api/v1/users/current/").await;
    assert_eq!(status, 200);
    assert_eq!(me["profile"]["role"], "user");
    assert_eq!(me["username"], "ana.agent");
    assert!(me["groups"].is_array() && me["permissions"].is_object());
    let (_, configurator) = instance.configurator().get("/api/v1/users/current/").await;
    assert_eq!(configurator["profile"]["role"], "configurator");
    for path in [
        "/api/v1/users/?limit=5000",
        "/api/v1/groups/",
        "/api/v1/contacts/?limit=100",
        "/api/v1/saved_responses/",
        "/api/v1/templates/",
        "/api/v1/tags/",
        "/api/v1/chats/",
        "/api/v1/whatsapp_accounts/?this_instance=true",
    ] {
        let (status, page) = agent.get(path).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert!(
            page["count"].is_u64() && page["results"].is_array(),
            "{path}: {page}"
        );
    }
    let (_, accounts) = agent
        .get("/api/v1/whatsapp_accounts/?this_instance=true")
        .await;
    assert_eq!(
        accounts["results"][0],
        json!({"phone_number": "+4915100000001", "this_instance": true})
    );
    let (status, _) = agent.get("/api/v1/").await;
    assert_eq!(status, 200);
    let (status, _) = agent.get("/api/v1/settings/profile/photo/").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn after_logout_the_token_stops_working() {
    let instance = Instance::start(Spec::default()).await;
    let agent = agent(&instance).await;

    let (status, _) = agent.get("/api/v1/auth/logout/").await;

    assert_eq!(status, 200);
    let (status, _) = agent.get("/api/v1/users/current/").await;
    assert_eq!(status, 401);
}

async fn upload(
    agent: &crate::support::Api<'_>,
    instance: &Instance,
    mime: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("file")
        .mime_str(mime)
        .unwrap();
    let response = agent
        .client()
        .post(instance.url("/api/v1/media/"))
        .multipart(reqwest::multipart::Form::new().part("file_encoded", part))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn uploads_whatsapp_refuses_are_refused_by_type_and_by_size() {
    let instance = Instance::start(Spec::default()).await;
    let agent = agent(&instance).await;

    let (status, body) = upload(&agent, &instance, "text/html", b"<script>".to_vec()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["file_encoded"][0]
        .as_str()
        .unwrap()
        .contains("text/html"));
    let (status, _) = upload(&agent, &instance, "image/png", vec![0; 5_000_001]).await;
    assert_eq!(status, 413, "over WhatsApp's 5 MB for images");
    let (status, _) = upload(&agent, &instance, "video/mp4", vec![0; 17 * 1024 * 1024]).await;
    assert_eq!(status, 413, "over the instance's 16 MiB");

    let (status, body) = upload(&agent, &instance, "image/png", vec![7; 1000]).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap();
    let download = agent
        .client()
        .get(instance.url(&format!("/api/v1/media/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(download.headers()["content-type"], "image/png");
    assert_eq!(download.bytes().await.unwrap().as_ref(), &[7u8; 1000][..]);
}

#[tokio::test]
async fn a_failed_status_marks_our_message_failed_with_whatsapps_errors() {
    let instance = Instance::start(Spec::default()).await;
    let d360 = crate::fake_d360::FakeD360::start(vec![]).await;
    d360.serve(&instance, 0).await;
    let secret = inbound_secret(&instance.spec);
    let agent = agent(&instance).await;
    let body = text_webhook("wamid.C1", ANA, "Ana", "hello", time_now());
    assert_eq!(deliver(&instance, &body, Some(&secret)).await, 200);
    let (status, sent) = agent
        .post(
            "/api/v1/messages/",
            json!({"wa_id": ANA, "type": "text", "text": {"body": "hi"}}),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    let wamid = sent["waba_payload"]["id"].as_str().unwrap();
    let errors = json!([{"code": 131047, "title": "Re-engagement message"}]);
    let failed = json!({"entry": [{"changes": [{"value": {"statuses": [
        {"id": wamid, "status": "failed", "timestamp": "5", "errors": errors}]}}]}]});

    assert_eq!(deliver(&instance, &failed, Some(&secret)).await, 200);

    let (_, messages) = agent
        .get(&format!("/api/v1/messages/?wa_id={ANA}&from_us=true"))
        .await;
    let ours = &messages["results"][0];
    assert_eq!(ours["is_failed"], true, "{ours}");
    assert_eq!(ours["errors"], errors);
}
