//! What 360Dialog sends and what the web inbox receives: Cloud API text messages posted to the
//! webhook, and the push channel's frames.

use super::instance::{inbound_secret, Instance};
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use inbox::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const PATIENCE: Duration = Duration::from_secs(10);

/// A wamid in WhatsApp's shape (`wamid.` and base64), unique per customer and number.
pub fn wamid(wa_id: &str, n: u64) -> String {
    let raw = format!("\x15\x02\x00\x12\x18\x20{wa_id}{n:032X}");
    format!(
        "wamid.{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// The message object of a Cloud API text message, as the instance stores it.
pub fn text_message(wamid: &str, from: &str, body: &str, timestamp: i64) -> Value {
    json!({"from": from, "id": wamid, "timestamp": timestamp.to_string(),
           "type": "text", "text": {"body": body}})
}

/// A whole webhook body with one text message, as 360Dialog posts it.
pub fn text_webhook(wamid: &str, from: &str, name: &str, body: &str, timestamp: i64) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "4915100000001", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [text_message(wamid, from, body, timestamp)]}}]}]})
}

/// Posts webhook bodies as 360Dialog does, over keep-alive connections.
#[derive(Clone)]
pub struct Webhooks {
    http: reqwest::Client,
    url: String,
    secret: String,
}

impl Webhooks {
    pub fn new(http: &reqwest::Client, instance: &Instance) -> Self {
        Self {
            http: http.clone(),
            url: instance.url(INBOUND_WEBHOOK_PATH),
            secret: inbound_secret(&instance.spec),
        }
    }

    /// The answer's status; 0 when there was no answer.
    pub async fn post(&self, body: &Value) -> u16 {
        let request = self
            .http
            .post(&self.url)
            .header(INBOUND_SECRET_HEADER, &self.secret);
        match request.json(body).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                status
            }
            Err(_) => 0,
        }
    }
}

/// A web inbox's socket at `/ws/`, signed in with `token` and subscribed: a ping sent after the
/// token is answered only once the server has accepted it and joined the socket to its hub.
pub async fn push_socket(instance: &Instance, token: &str) -> Socket {
    let url = format!("ws://127.0.0.1:{}/ws/", instance.port);
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the websocket opens");
    let hello = json!({ "token": token }).to_string();
    socket.send(Message::text(hello)).await.expect("token sent");
    socket
        .send(Message::Ping(b"ready?".to_vec().into()))
        .await
        .expect("ping sent");
    loop {
        match next_frame(&mut socket).await {
            Some(Message::Pong(_)) => return socket,
            Some(Message::Ping(_)) => {}
            other => panic!("the push channel refused the agent: {other:?}"),
        }
    }
}

/// When the `waba_webhook` frame carrying `wamid` arrived.
pub async fn frame_with(socket: &mut Socket, wamid: &str) -> Instant {
    loop {
        let Some(message) = next_frame(socket).await else {
            panic!("the push channel closed before {wamid} arrived");
        };
        let at = Instant::now();
        if let Message::Text(text) = message {
            if webhook_wamid(&text).as_deref() == Some(wamid) {
                return at;
            }
        }
    }
}

/// Counts the `waba_webhook` frames until `expected` arrived, the socket closed, or nothing came
/// for the patience time; answers the count and how the socket ended, if it did.
pub async fn count_frames(mut socket: Socket, expected: usize) -> (usize, Option<String>) {
    let mut count = 0;
    while count < expected {
        match next_frame(&mut socket).await {
            Some(Message::Text(text)) if webhook_wamid(&text).is_some() => count += 1,
            Some(Message::Close(frame)) => return (count, Some(format!("{frame:?}"))),
            Some(_) => {}
            None => return (count, Some("closed or silent".into())),
        }
    }
    (count, None)
}

async fn next_frame(socket: &mut Socket) -> Option<Message> {
    match tokio::time::timeout(PATIENCE, socket.next()).await {
        Ok(Some(Ok(message))) => Some(message),
        _ => None,
    }
}

/// The wamid of the (first) message of a `waba_webhook` frame.
fn webhook_wamid(frame: &str) -> Option<String> {
    let frame: Value = serde_json::from_str(frame).ok()?;
    if frame["type"] != "waba_webhook" {
        return None;
    }
    let id = frame.pointer("/waba_payload/entry/0/changes/0/value/messages/0/id")?;
    id.as_str().map(str::to_owned)
}
