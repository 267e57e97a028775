//! The customer simulator: messages from customers delivered as Cloud API webhooks, over HTTP
//! and as `partner-api sandbox` commands.

use super::{bodies, channel_with_receiver, customer_writes, messaging, register, send, text_to};
use crate::receiver::{closed_port, Receiver, Reply};
use crate::support::{json, partner_api_bin, Backend, TestApp};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use partner_api::crypto::sha256_hex;
use reqwest::Method;
use serde_json::{json, Value};

async fn a_customer_text_reaches_the_registered_webhook_as_the_cloud_api_sends_it(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start(vec![Reply::Status(500)]).await;
    channel_with_receiver(&app, "SimCH", &receiver).await;
    let (status, answer) = customer_writes(
        &app,
        "SimCH",
        json!({"from": "4915100000004", "name": "Cleo", "text": "Is my order on its way?", "timestamp": 1700000000}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], 500, "the status the webhook answered");
    let wamid = answer["id"].as_str().unwrap();
    assert!(wamid.starts_with("wamid."), "{answer}");

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].headers["x-hook-secret"], "secret-of-SimCH");
    assert_eq!(received[0].headers["content-type"], "application/json");
    let body: Value = serde_json::from_slice(&received[0].body).unwrap();
    let value = &body["entry"][0]["changes"][0]["value"];
    assert_eq!(body["object"], "whatsapp_business_account");
    assert_eq!(body["entry"][0]["id"], "waba_SimCH");
    assert_eq!(body["entry"][0]["changes"][0]["field"], "messages");
    assert_eq!(value["messaging_product"], "whatsapp");
    assert_eq!(value["metadata"]["phone_number_id"], "pn_SimCH");
    let display = value["metadata"]["display_phone_number"].as_str().unwrap();
    assert!(display.starts_with("4915") && display.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        value["contacts"],
        json!([{"profile": {"name": "Cleo"}, "wa_id": "4915100000004"}])
    );
    assert_eq!(
        value["messages"],
        json!([{"from": "4915100000004", "id": wamid, "timestamp": "1700000000", "type": "text",
            "text": {"body": "Is my order on its way?"}}])
    );
    app.stop().await;
}

async fn a_customer_image_is_stored_as_media_the_number_can_download(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let key = channel_with_receiver(&app, "SimImageCH", &receiver).await;
    let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let image = json!({"data_base64": STANDARD.encode(&bytes), "mime_type": "image/jpeg", "caption": "Broken"});
    let (status, answer) = customer_writes(
        &app,
        "SimImageCH",
        json!({"from": "4915100000005", "name": "Dan", "image": image}),
    )
    .await;
    assert_eq!((status, &answer["status"]), (200, &json!(200)), "{answer}");

    let message = bodies(&receiver)[0]["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    assert_eq!(message["type"], "image");
    assert_eq!(message["image"]["mime_type"], "image/jpeg");
    assert_eq!(message["image"]["caption"], "Broken");
    assert_eq!(message["image"]["sha256"], sha256_hex(&bytes));
    let media_id = message["image"]["id"].as_str().unwrap();
    let response = messaging(&app, Method::GET, &format!("/{media_id}"), &key)
        .send()
        .await
        .unwrap();
    let (_, described) = json(response).await;
    let download = app
        .client
        .get(described["url"].as_str().unwrap())
        .header("D360-API-KEY", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(download.headers()["content-type"], "image/jpeg");
    assert_eq!(download.bytes().await.unwrap(), bytes);
    app.stop().await;
}

async fn the_simulator_refuses_what_it_cannot_deliver_and_anyone_but_the_sandbox_partner(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let text = json!({"from": "4915100000006", "text": "Hello"});
    let (status, body) = customer_writes(&app, "NoHookCH", text.clone()).await;
    assert_eq!(status, 404, "no webhook registered: {body}");
    assert!(body["detail"].is_string());
    let (status, _) = customer_writes(&app, "no_such", text.clone()).await;
    assert_eq!(status, 404, "an unknown channel");

    let key = app.sandbox_d360_key("ClosedCH").await;
    let closed = format!("http://127.0.0.1:{}/hook", closed_port().await);
    register(&app, &key, &closed, json!({})).await;
    let (status, body) = customer_writes(&app, "ClosedCH", text.clone()).await;
    assert_eq!(status, 502, "{body}");
    assert!(body["detail"].as_str().unwrap().contains(&closed), "{body}");
    assert!(body["id"].as_str().unwrap().starts_with("wamid."));
    for bad in [
        json!({"from": "4915100000006", "text": "x", "image": {"data_base64": "", "mime_type": "image/png"}}),
        json!({"from": "not digits", "text": "x"}),
        json!({"from": "4915100000006"}),
    ] {
        let (status, body) = customer_writes(&app, "ClosedCH", bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }

    let path = "/sandbox/360dialog/simulator/channels/ClosedCH/sent";
    let other = app.new_partner("other").await;
    assert_eq!(app.get(path, &other).await.status(), 403);
    assert_eq!(app.get(path, "pak_nonsense").await.status(), 401);
    app.stop().await;
}

async fn partner_api(app: &TestApp, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(partner_api_bin())
        .args(app.cli_args())
        .args(args)
        .output()
        .await
        .expect("partner-api runs")
}

async fn the_sandbox_commands_deliver_a_customer_message_and_list_what_was_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let key = channel_with_receiver(&app, "CmdCH", &receiver).await;
    let output = partner_api(
        &app,
        &[
            "sandbox",
            "inbound",
            "CmdCH",
            "--from",
            "4915100000007",
            "--name",
            "Eve",
            "--text",
            "Hi there",
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["status"], 200, "{answer}");
    let message = bodies(&receiver)[0]["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    assert_eq!(message["id"], answer["id"]);
    assert_eq!(message["text"]["body"], "Hi there");

    let wamid = send(&app, &key, &text_to("4915100000007", "Hello Eve")).await;
    let output = partner_api(&app, &["sandbox", "sent", "CmdCH"]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sent: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sent["messages"].as_array().unwrap().len(), 1, "{sent}");
    assert_eq!(sent["messages"][0]["id"], wamid.as_str());
    assert_eq!(sent["messages"][0]["text"]["body"], "Hello Eve");

    let output = partner_api(
        &app,
        &[
            "sandbox",
            "inbound",
            "NoHookCmdCH",
            "--from",
            "4915100000007",
            "--text",
            "Hi",
        ],
    )
    .await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no registered webhook"), "{stderr}");
    app.stop().await;
}

crate::on_both_backends!(
    a_customer_text_reaches_the_registered_webhook_as_the_cloud_api_sends_it,
    a_customer_image_is_stored_as_media_the_number_can_download,
    the_simulator_refuses_what_it_cannot_deliver_and_anyone_but_the_sandbox_partner,
    the_sandbox_commands_deliver_a_customer_message_and_list_what_was_sent,
);
