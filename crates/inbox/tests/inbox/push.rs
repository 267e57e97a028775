//! The push channel: a websocket at `/ws/` and at `/` (as the router forwards
//! `websockets-{subdomain}.{base}`), in get.chat's protocol: `{"token": …}` first, then frames.

use crate::support::instance::inbound_secret;
use crate::support::{browser_client, token_for, Instance, Spec, PASSWORD};
use futures_util::{SinkExt, StreamExt};
use inbox::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a test waits for something the instance should send at once.
const PATIENCE: Duration = Duration::from_secs(5);

async fn connect(instance: &Instance, path: &str) -> Socket {
    let url = format!("ws://127.0.0.1:{}{path}", instance.port);
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the websocket opens");
    socket
}

async fn connect_with_token(instance: &Instance, path: &str, token: &str) -> Socket {
    let mut socket = connect(instance, path).await;
    let hello = json!({ "token": token }).to_string();
    socket.send(Message::text(hello)).await.expect("sent");
    socket
}

async fn agent_token(instance: &Instance) -> String {
    instance.add_user("ana", "agent").await;
    let body: Value = token_for(instance, "ana", PASSWORD)
        .await
        .json()
        .await
        .expect("json");
    body["token"].as_str().expect("a token").to_owned()
}

/// The next frame other than a ping or pong.
async fn next_message(socket: &mut Socket) -> Message {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a frame in time")
            .expect("the socket is open")
            .expect("a valid frame");
        if !matches!(message, Message::Ping(_) | Message::Pong(_)) {
            return message;
        }
    }
}

async fn assert_closed(socket: &mut Socket, code: u16, reason: &str) {
    match next_message(socket).await {
        Message::Close(Some(CloseFrame {
            code: got,
            reason: why,
        })) => {
            assert_eq!((u16::from(got), why.as_str()), (code, reason));
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// A pong to a ping sent after the token proves the socket is open and subscribed: the server
/// reads frames in order, and reads past the token only once it has accepted it and joined the hub
/// (a refused socket gets a close frame instead).
async fn assert_open(socket: &mut Socket) {
    socket
        .send(Message::Ping(b"still there?".to_vec().into()))
        .await
        .expect("ping sent");
    let pong = tokio::time::timeout(PATIENCE, socket.next())
        .await
        .expect("an answer in time")
        .expect("the socket is open")
        .expect("a valid frame");
    assert_eq!(pong, Message::Pong(b"still there?".to_vec().into()));
}

#[tokio::test]
async fn an_agent_with_a_good_token_stays_connected_at_ws_and_at_a_root_upgrade() {
    let instance = Instance::start(Spec::default()).await;
    let token = agent_token(&instance).await;

    for path in ["/ws/", "/ws", "/"] {
        let mut socket = connect_with_token(&instance, path, &token).await;

        assert_open(&mut socket).await;
    }
}

#[tokio::test]
async fn a_plain_get_of_the_root_still_leads_to_the_inbox() {
    let instance = Instance::start(Spec::default()).await;

    let response = browser_client()
        .get(instance.url("/"))
        .send()
        .await
        .expect("request");

    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/inbox/");
}

#[tokio::test]
async fn an_unknown_token_is_closed_with_4001() {
    let instance = Instance::start(Spec::default()).await;

    let mut socket = connect_with_token(&instance, "/ws/", "not-a-token").await;

    assert_closed(&mut socket, 4001, "Invalid token.").await;
}

#[tokio::test]
async fn a_first_frame_without_a_token_is_closed_with_4001() {
    let instance = Instance::start(Spec::default()).await;
    let mut socket = connect(&instance, "/").await;

    socket
        .send(Message::text(r#"{"hello": "there"}"#))
        .await
        .expect("sent");

    assert_closed(
        &mut socket,
        4001,
        "Authentication credentials were not provided.",
    )
    .await;
}

#[tokio::test]
async fn the_configurator_is_refused_with_4003() {
    let instance = Instance::start(Spec::default()).await;

    let mut socket = connect_with_token(&instance, "/ws/", &instance.configurator_token).await;

    assert_closed(&mut socket, 4003, "The configurator may not use messaging.").await;
}

#[tokio::test]
async fn an_inbound_webhook_reaches_every_connected_agent_as_360dialog_sent_it() {
    let instance = Instance::start(Spec::default()).await;
    let token = agent_token(&instance).await;
    let mut sockets = [
        connect_with_token(&instance, "/ws/", &token).await,
        connect_with_token(&instance, "/ws/", &token).await,
    ];
    for socket in &mut sockets {
        assert_open(socket).await;
    }
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "waba", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "4915100000001", "phone_number_id": "pn"},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "4915112345678"}],
            "messages": [{"from": "4915112345678", "id": "wamid.P1", "timestamp": "1700000000",
                          "type": "text", "text": {"body": "Hola"}}]}}]}]});

    let delivered = reqwest::Client::new()
        .post(instance.url(INBOUND_WEBHOOK_PATH))
        .header(INBOUND_SECRET_HEADER, inbound_secret(&instance.spec))
        .json(&body)
        .send()
        .await
        .expect("request");

    assert_eq!(delivered.status(), 200);
    for socket in &mut sockets {
        let Message::Text(frame) = next_message(socket).await else {
            panic!("expected a text frame");
        };
        let frame: Value = serde_json::from_str(&frame).expect("JSON");
        assert_eq!(frame, json!({"type": "waba_webhook", "waba_payload": body}));
    }
}
