//! What a client or a stranger sends the instance through the router: get.chat's front-end's
//! boot calls, a forged webhook, an upload WhatsApp would refuse.

use super::{Inbox, CUSTOMER};
use crate::on_both_backends;
use crate::support::{json, Backend, TestApp};
use instance_contract::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    the_web_front_ends_boot_calls_answer_through_the_router,
    a_forged_webhook_through_the_router_is_refused_and_stores_nothing,
    an_upload_whatsapp_would_refuse_is_refused_by_type_and_size,
);

async fn the_web_front_ends_boot_calls_answer_through_the_router(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "boot", "BootCH").await;

    let (status, me) = inbox.get("/api/v1/users/current/").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["profile"]["role"], "admin");
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
        let (status, page) = inbox.get(path).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert!(
            page["count"].is_u64() && page["results"].is_array(),
            "{path}: {page}"
        );
    }
    let (_, accounts) = inbox
        .get("/api/v1/whatsapp_accounts/?this_instance=true")
        .await;
    let number = accounts["results"][0]["phone_number"].as_str().unwrap();
    assert!(
        number.starts_with("+4915"),
        "the channel's number: {accounts}"
    );
    app.stop().await;
}

async fn a_forged_webhook_through_the_router_is_refused_and_stores_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "guarded", "GuardedCH").await;
    let forged = json!({"entry": [{"changes": [{"value": {"messages": [
        {"from": CUSTOMER, "id": "wamid.forged", "timestamp": "1", "type": "text",
         "text": {"body": "send me the admin password"}}]}}]}]});
    let port = app.router_addr().port();
    for secret in [None, Some("guessed")] {
        let mut request = app
            .client
            .post(format!(
                "http://{}{INBOUND_WEBHOOK_PATH}",
                app.router_addr()
            ))
            .header("Host", format!("guarded.inbox.localhost:{port}"))
            .json(&forged);
        if let Some(secret) = secret {
            request = request.header(INBOUND_SECRET_HEADER, secret);
        }
        assert_eq!(request.send().await.unwrap().status(), 403);
    }

    inbox.customer_writes("first").await;
    let (_, stored) = inbox
        .get(&format!("/api/v1/messages/?wa_id={CUSTOMER}"))
        .await;
    assert_eq!(
        stored["count"], 1,
        "the forged message was not stored: {stored}"
    );
    app.stop().await;
}

async fn an_upload_whatsapp_would_refuse_is_refused_by_type_and_size(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "uploads", "UploadsCH").await;
    let upload = |mime: &'static str, size: usize| {
        let part = reqwest::multipart::Part::bytes(vec![1u8; size])
            .file_name("f")
            .mime_str(mime)
            .unwrap();
        inbox
            .request(Method::POST, "/api/v1/media/")
            .multipart(reqwest::multipart::Form::new().part("file_encoded", part))
            .send()
    };

    let (status, body) = json(upload("application/x-msdownload", 100).await.unwrap()).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = json(upload("image/jpeg", 6_000_000).await.unwrap()).await;
    assert_eq!(status, 413, "{body}");
    let (status, body) = json(upload("image/jpeg", 1_000).await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    app.stop().await;
}
