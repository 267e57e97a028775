//! The push channel as a get.chat client uses it: a websocket at `/ws/`, the token first.

use super::Instance;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A socket that has presented `token` and is subscribed: a pong after the token proves the
/// server accepted it, as it reads frames in order.
pub async fn listen(instance: &Instance, token: &str) -> Socket {
    let url = format!("ws://127.0.0.1:{}/ws/", instance.port);
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the websocket opens");
    let hello = json!({ "token": token }).to_string();
    socket.send(Message::text(hello)).await.expect("sent");
    socket
        .send(Message::Ping(b"ready?".to_vec().into()))
        .await
        .expect("ping");
    match next_frame(&mut socket).await {
        Message::Pong(_) => socket,
        other => panic!("expected a pong, got {other:?}"),
    }
}

async fn next_frame(socket: &mut Socket) -> Message {
    tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("a frame in time")
        .expect("the socket is open")
        .expect("a valid frame")
}

/// The payload of the next `getchat_webhook` frame that has `key`, skipping other frames.
pub async fn next_getchat(socket: &mut Socket, key: &str) -> Value {
    loop {
        if let Message::Text(text) = next_frame(socket).await {
            let frame: Value = serde_json::from_str(&text).expect("JSON");
            if frame["type"] == "getchat_webhook" && frame["waba_payload"].get(key).is_some() {
                return frame["waba_payload"][key].clone();
            }
        }
    }
}
