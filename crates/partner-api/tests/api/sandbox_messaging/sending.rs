//! `POST /messages`: the answer, the sent list, the statuses that follow, WhatsApp's 24-hour
//! window and simulated outages.

use super::{
    channel_with_receiver, customer_writes, messaging, post_message, send, sent_list, statuses_of,
    text_to, MOUNT,
};
use crate::processes::eventually;
use crate::receiver::Receiver;
use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use partner_api::domain::Timestamp;
use reqwest::Method;
use serde_json::{json, Value};

const CUSTOMER: &str = "4915100000001";

fn names(statuses: &[Value]) -> Vec<&str> {
    statuses
        .iter()
        .filter_map(|s| s["status"].as_str())
        .collect()
}

async fn a_message_is_answered_with_a_wamid_listed_as_sent_and_its_statuses_arrive_in_order(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let key = channel_with_receiver(&app, "StatusCH", &receiver).await;
    let (status, _) = customer_writes(
        &app,
        "StatusCH",
        json!({"from": CUSTOMER, "name": "Ana", "text": "Hi"}),
    )
    .await;
    assert_eq!(status, 200);

    let body = text_to(CUSTOMER, "Hello Ana");
    let (status, answer) = post_message(&app, &key, &body).await;
    assert_eq!(status, 200, "{answer}");
    let wamid = answer["messages"][0]["id"].as_str().unwrap();
    assert!(wamid.starts_with("wamid."), "{answer}");
    assert_eq!(answer["messaging_product"], "whatsapp");
    assert_eq!(
        answer["contacts"],
        json!([{"input": CUSTOMER, "wa_id": CUSTOMER}])
    );

    let sent = sent_list(&app, "StatusCH").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["id"], wamid);
    assert_eq!(sent[0]["text"], body["text"]);
    assert_eq!(sent[0]["to"], CUSTOMER);

    assert!(eventually(10, || statuses_of(&receiver, wamid).len() >= 3).await);
    let statuses = statuses_of(&receiver, wamid);
    assert_eq!(names(&statuses), ["sent", "delivered", "read"]);
    let now = Timestamp::now().millis() / 1000;
    for status in &statuses {
        assert_eq!(status["recipient_id"], CUSTOMER);
        let at: i64 = status["timestamp"].as_str().unwrap().parse().unwrap();
        assert!((now - 60..=now + 1).contains(&at), "{status}");
    }
    let received = receiver.received();
    let last = received.last().unwrap();
    assert_eq!(last.headers["x-hook-secret"], "secret-of-StatusCH");
    let last: Value = serde_json::from_slice(&last.body).unwrap();
    assert_eq!(last["object"], "whatsapp_business_account");
    assert_eq!(last["entry"][0]["changes"][0]["field"], "messages");
    assert_eq!(
        last["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"],
        "pn_StatusCH"
    );
    app.stop().await;
}

async fn a_free_form_message_outside_the_24_hour_window_fails_with_131047_and_a_template_does_not(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let key = channel_with_receiver(&app, "WindowCH", &receiver).await;
    let long_ago = Timestamp::now().millis() / 1000 - 25 * 60 * 60;
    let (status, _) = customer_writes(
        &app,
        "WindowCH",
        json!({"from": "4915100000002", "name": "Ben", "text": "Hi", "timestamp": long_ago}),
    )
    .await;
    assert_eq!(status, 200);

    let never_wrote = send(&app, &key, &text_to("4915100000009", "Hello?")).await;
    let wrote_long_ago = send(&app, &key, &text_to("4915100000002", "Hello Ben")).await;
    let template = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "4915100000009", "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US", "policy": "deterministic"}}});
    let template = send(&app, &key, &template).await;

    let arrived = || {
        statuses_of(&receiver, &never_wrote).len()
            + statuses_of(&receiver, &wrote_long_ago).len()
            + statuses_of(&receiver, &template).len()
            >= 5
    };
    assert!(eventually(10, arrived).await);
    for wamid in [&never_wrote, &wrote_long_ago] {
        let statuses = statuses_of(&receiver, wamid);
        assert_eq!(names(&statuses), ["failed"]);
        let error = &statuses[0]["errors"][0];
        assert_eq!(error["code"], 131047, "{error}");
        assert_eq!(error["title"], "Re-engagement message");
        assert!(error["error_data"]["details"]
            .as_str()
            .unwrap()
            .contains("24 hours"));
    }
    assert_eq!(
        names(&statuses_of(&receiver, &template)),
        ["sent", "delivered", "read"]
    );
    app.stop().await;
}

async fn send_status(app: &TestApp, key: &str) -> u16 {
    post_message(app, key, &text_to(CUSTOMER, "Hello")).await.0
}

async fn an_outage_answers_503_until_it_is_ended_or_runs_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.sandbox_d360_key("OutageCH").await;
    let outage = format!("{MOUNT}/simulator/channels/OutageCH/outage");

    let (status, until) = json(
        app.post_json(&outage, SANDBOX_KEY, &json!({"seconds": 3600}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{until}");
    let expected = Timestamp::now().millis() / 1000 + 3600;
    assert!((expected - 60..=expected).contains(&until["until"].as_i64().unwrap()));
    assert_eq!(send_status(&app, &key).await, 503);
    let form = reqwest::multipart::Form::new()
        .text("messaging_product", "whatsapp")
        .part("file", reqwest::multipart::Part::bytes(b"x".to_vec()));
    let upload = messaging(&app, Method::POST, "/media", &key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 503);

    app.post_json(&outage, SANDBOX_KEY, &json!({"seconds": 0}))
        .await;
    assert_eq!(send_status(&app, &key).await, 200, "ended");

    app.post_json(&outage, SANDBOX_KEY, &json!({"seconds": 1}))
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while send_status(&app, &key).await != 200 {
        assert!(std::time::Instant::now() < deadline, "the outage ran out");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.stop().await;
}

async fn a_message_the_cloud_api_would_refuse_is_refused_with_error_100(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.sandbox_d360_key("InvalidCH").await;
    for body in [
        json!({"messaging_product": "whatsapp", "to": "not a number", "type": "text", "text": {"body": "x"}}),
        json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "fax", "fax": {}}),
        json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "image", "image": {"id": "404"}}),
    ] {
        let (status, answer) = post_message(&app, &key, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], 100, "{answer}");
        assert!(answer["error"]["message"].is_string(), "{answer}");
    }
    assert!(sent_list(&app, "InvalidCH").await.is_empty());
    app.stop().await;
}

crate::on_both_backends!(
    a_message_is_answered_with_a_wamid_listed_as_sent_and_its_statuses_arrive_in_order,
    a_free_form_message_outside_the_24_hour_window_fails_with_131047_and_a_template_does_not,
    an_outage_answers_503_until_it_is_ended_or_runs_out,
    a_message_the_cloud_api_would_refuse_is_refused_with_error_100,
);
