//! A whole conversation, with the push channel watching.

use super::{texts, within, Inbox, CUSTOMER};
use crate::on_both_backends;
use crate::router_websocket::{next_frame, open_and_sign_in, Socket};
use crate::support::{Backend, TestApp};
use serde_json::{json, Value};

on_both_backends!(
    a_customer_writes_an_agent_answers_and_the_statuses_arrive,
    a_template_opens_a_conversation_and_free_text_to_a_stranger_is_refused_with_453,
    a_photo_goes_both_ways_as_bytes,
);

/// The next frame of `kind` (other frames are skipped).
async fn frame_of(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next_frame(socket).await;
        if frame["type"] == kind {
            return frame;
        }
    }
}

async fn a_customer_writes_an_agent_answers_and_the_statuses_arrive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "talk", "TalkCH").await;
    let mut socket = open_and_sign_in(&app, "websockets-talk", "/", &inbox.token).await;

    let wamid = inbox.customer_writes("Is my order on its way?").await;

    let frame = frame_of(&mut socket, "waba_webhook").await;
    let value = &frame["waba_payload"]["entry"][0]["changes"][0]["value"];
    assert_eq!(value["messages"][0]["id"], wamid.as_str(), "{frame}");
    let (_, chats) = inbox.get("/api/v1/chats/").await;
    assert_eq!(chats["count"], 1, "{chats}");
    assert_eq!(chats["results"][0]["wa_id"], CUSTOMER);
    assert_eq!(chats["results"][0]["new_messages"], 1);
    assert_eq!(
        chats["results"][0]["contact"]["waba_payload"]["profile"]["name"],
        "Ada Lovelace"
    );

    let (status, answer) = inbox.send_text("Yes, it left this morning.").await;

    assert_eq!(status, 201, "{answer}");
    let answer_wamid = answer["waba_payload"]["id"].as_str().unwrap().to_owned();
    assert_eq!(answer["from_us"], true);
    assert_eq!(answer["sender"]["username"], "push-admin");
    let outgoing = frame_of(&mut socket, "getchat_webhook").await;
    let pushed = &outgoing["waba_payload"]["outgoing_messages"][0];
    assert_eq!(
        pushed["waba_payload"]["id"],
        answer_wamid.as_str(),
        "{outgoing}"
    );
    let sent = inbox.sent().await;
    assert_eq!(texts(&sent), ["Yes, it left this morning."]);
    assert_eq!(sent[0]["id"], answer_wamid.as_str());
    assert_eq!(sent[0]["to"], CUSTOMER);
    let statuses = within(10, "sent, delivered and read", || async {
        let messages = inbox.messages().await;
        let ours = messages
            .iter()
            .find(|m| m["waba_payload"]["id"] == answer_wamid.as_str())?;
        let statuses = &ours["waba_statuses"];
        statuses["read"].is_number().then(|| statuses.clone())
    })
    .await;
    assert!(
        statuses["sent"].is_number() && statuses["delivered"].is_number(),
        "{statuses}"
    );
    let mut seen = vec![];
    while seen.len() < 3 {
        let frame = frame_of(&mut socket, "waba_webhook").await;
        let status = &frame["waba_payload"]["entry"][0]["changes"][0]["value"]["statuses"][0];
        if status["id"] == answer_wamid.as_str() {
            seen.push(status["status"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        seen,
        ["sent", "delivered", "read"],
        "the push channel saw every status"
    );
    app.stop().await;
}

async fn a_template_opens_a_conversation_and_free_text_to_a_stranger_is_refused_with_453(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "first-contact", "FirstCH").await;

    let (status, refused) = inbox.send_text("Hello?").await;
    assert_eq!(status, 453, "{refused}");
    assert!(refused["reason"].as_str().unwrap().contains("24 hours"));

    let (_, templates) = inbox.get("/api/v1/templates/").await;
    let names: Vec<&str> = templates["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"hello_world"), "{templates}");
    let template = json!({"wa_id": CUSTOMER, "type": "template", "template": {
        "name": "hello_world", "language": {"code": "en_US", "policy": "deterministic"}}});
    let (status, sent) = inbox.send(template).await;

    assert_eq!(status, 201, "{sent}");
    let bodies = inbox.sent().await;
    assert_eq!(bodies.len(), 1, "the refused text never reached 360Dialog");
    assert_eq!(bodies[0]["template"]["name"], "hello_world");
    app.stop().await;
}

async fn a_photo_goes_both_ways_as_bytes(backend: Backend) {
    use base64::Engine;
    use sha2::Digest;
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "photos", "PhotoCH").await;
    let picture: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let path = format!("{}/{}/inbound", super::SIMULATOR, inbox.channel);
    let image = json!({"from": CUSTOMER, "name": "Ada", "image": {
        "data_base64": base64::engine::general_purpose::STANDARD.encode(&picture),
        "mime_type": "image/jpeg", "caption": "the broken part"}});
    let (status, _) = crate::support::json(
        app.post_json(&path, crate::support::SANDBOX_KEY, &image)
            .await,
    )
    .await;
    assert_eq!(status, 200);

    let messages = inbox.messages().await;
    let media_id = messages[0]["waba_payload"]["image"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let download = inbox
        .request(reqwest::Method::GET, &format!("/api/v1/media/{media_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "image/jpeg");
    assert_eq!(download.bytes().await.unwrap().as_ref(), picture.as_slice());

    let answer: Vec<u8> = (0..30_000u32).map(|i| (i % 241) as u8).collect();
    let part = reqwest::multipart::Part::bytes(answer.clone())
        .file_name("fixed.png")
        .mime_str("image/png")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file_encoded", part);
    let uploaded = inbox
        .request(reqwest::Method::POST, "/api/v1/media/")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, uploaded) = crate::support::json(uploaded).await;
    assert_eq!(status, 201, "{uploaded}");
    let (status, sent) = inbox
        .send(json!({"wa_id": CUSTOMER, "type": "image",
                     "image": {"id": uploaded["id"], "caption": "fixed"}}))
        .await;

    assert_eq!(status, 201, "{sent}");
    let bodies = inbox.sent().await;
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["image"]["caption"], "fixed");
    assert_eq!(
        bodies[0]["sha256"],
        hex::encode(sha2::Sha256::digest(&answer))
    );
    app.stop().await;
}
