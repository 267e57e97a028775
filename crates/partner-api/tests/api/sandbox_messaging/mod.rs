//! The sandbox's WhatsApp side as 360Dialog's clients and the sandbox's users see it: the
//! emulated messaging API (`D360-API-KEY`) and the customer simulator (Bearer sandbox key).

mod media;
mod registration;
mod sending;
mod simulator;

use crate::receiver::Receiver;
use crate::support::{json, TestApp, SANDBOX_KEY};
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

const MOUNT: &str = "/sandbox/360dialog";

/// A call of the emulated messaging API with a channel's key.
fn messaging(app: &TestApp, method: Method, path: &str, key: &str) -> RequestBuilder {
    app.client
        .request(method, app.url(&format!("{MOUNT}{path}")))
        .header("D360-API-KEY", key)
}

/// Registers `url` as the channel's webhook with `headers`, as the control plane does.
async fn register(app: &TestApp, key: &str, url: &str, headers: Value) {
    let body = json!({"url": url, "headers": headers});
    let response = messaging(app, Method::POST, "/v1/configs/webhook", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(json(response).await, (200, json!({"url": url})));
}

/// A fresh key of `channel` whose webhooks go to `receiver`, with one header of the test's.
async fn channel_with_receiver(app: &TestApp, channel: &str, receiver: &Receiver) -> String {
    let key = app.sandbox_d360_key(channel).await;
    let headers = json!({"x-hook-secret": format!("secret-of-{channel}")});
    register(app, &key, &receiver.url("/hook"), headers).await;
    key
}

/// A customer writes to the channel through the simulator.
async fn customer_writes(app: &TestApp, channel: &str, body: Value) -> (u16, Value) {
    let path = format!("{MOUNT}/simulator/channels/{channel}/inbound");
    json(app.post_json(&path, SANDBOX_KEY, &body).await).await
}

fn text_to(to: &str, text: &str) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text", "text": {"body": text}})
}

/// `POST /messages` with a Cloud API body: the status and the answer.
async fn post_message(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let response = messaging(app, Method::POST, "/messages", key)
        .json(body)
        .send()
        .await
        .unwrap();
    json(response).await
}

/// Sends a Cloud API body; the wamid of the accepted message.
async fn send(app: &TestApp, key: &str, body: &Value) -> String {
    let (status, answer) = post_message(app, key, body).await;
    assert_eq!(status, 200, "{answer}");
    answer["messages"][0]["id"].as_str().unwrap().to_owned()
}

async fn sent_list(app: &TestApp, channel: &str) -> Vec<Value> {
    let path = format!("{MOUNT}/simulator/channels/{channel}/sent");
    let (status, sent) = json(app.get(&path, SANDBOX_KEY).await).await;
    assert_eq!(status, 200, "{sent}");
    sent["messages"].as_array().unwrap().clone()
}

/// The webhook bodies the receiver got, in order of arrival.
fn bodies(receiver: &Receiver) -> Vec<Value> {
    receiver
        .received()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

/// The statuses of one message among those the receiver got, in order of arrival.
fn statuses_of(receiver: &Receiver, wamid: &str) -> Vec<Value> {
    bodies(receiver)
        .iter()
        .filter_map(|b| b.pointer("/entry/0/changes/0/value/statuses/0").cloned())
        .filter(|s| s["id"] == wamid)
        .collect()
}
