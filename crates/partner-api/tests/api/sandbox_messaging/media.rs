//! Media: uploaded, described, downloaded and sent, each with the SHA-256 of its bytes.

use super::{customer_writes, messaging, send, sent_list, MOUNT};
use crate::support::{json, Backend, TestApp};
use partner_api::crypto::sha256_hex;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::json;

async fn upload(app: &TestApp, key: &str, bytes: Vec<u8>, mime: &str) -> reqwest::Response {
    let file = Part::bytes(bytes)
        .file_name("picture")
        .mime_str(mime)
        .unwrap();
    let form = Form::new()
        .text("messaging_product", "whatsapp")
        .part("file", file);
    messaging(app, Method::POST, "/media", key)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn media_is_uploaded_described_downloaded_and_sent_with_its_sha256(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.sandbox_d360_key("MediaCH").await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let (status, uploaded) = json(upload(&app, &key, bytes.clone(), "image/png").await).await;
    assert_eq!(status, 200, "{uploaded}");
    let id = uploaded["id"].as_str().unwrap();

    let response = messaging(&app, Method::GET, &format!("/{id}"), &key)
        .send()
        .await
        .unwrap();
    let (status, described) = json(response).await;
    assert_eq!(status, 200, "{described}");
    let url = app.url(&format!("{MOUNT}/whatsapp_business/attachments/?mid={id}"));
    assert_eq!(
        described,
        json!({"messaging_product": "whatsapp", "url": url, "mime_type": "image/png",
            "sha256": sha256_hex(&bytes), "file_size": bytes.len(), "id": id})
    );

    let download = |key: &str| app.client.get(&url).header("D360-API-KEY", key).send();
    let downloaded = download(&key).await.unwrap();
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.headers()["content-type"], "image/png");
    assert_eq!(downloaded.bytes().await.unwrap(), bytes);
    let others_key = app.sandbox_d360_key("OtherMediaCH").await;
    assert_eq!(
        download(&others_key).await.unwrap().status(),
        404,
        "another number's media"
    );

    customer_writes(
        &app,
        "MediaCH",
        json!({"from": "4915100000003", "text": "Send me the picture"}),
    )
    .await;
    let image = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "4915100000003",
        "type": "image", "image": {"id": id, "caption": "Here"}});
    let wamid = send(&app, &key, &image).await;
    let sent = sent_list(&app, "MediaCH").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["id"], wamid);
    assert_eq!(sent[0]["image"], image["image"]);
    assert_eq!(sent[0]["sha256"], sha256_hex(&bytes));
    app.stop().await;
}

async fn uploads_over_16_mib_are_refused_with_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.sandbox_d360_key("BigMediaCH").await;
    let too_big = vec![7u8; 16 * 1024 * 1024 + 1];
    let response = upload(&app, &key, too_big, "video/mp4").await;
    assert_eq!(response.status(), 413);
    let at_the_limit = vec![7u8; 16 * 1024 * 1024];
    let response = upload(&app, &key, at_the_limit, "video/mp4").await;
    assert_eq!(response.status(), 200);
    app.stop().await;
}

crate::on_both_backends!(
    media_is_uploaded_described_downloaded_and_sent_with_its_sha256,
    uploads_over_16_mib_are_refused_with_413,
);
