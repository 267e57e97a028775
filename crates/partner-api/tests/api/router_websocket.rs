//! The push channel through the instance router: the web front-end's websocket to
//! `websockets-{subdomain}.{base}/` (or `/ws/` on the instance's own host) reaches the instance,
//! and the router's own answers stay what they are for every other request.

use crate::receiver::Receiver;
use crate::support::{json, script, Backend, TestApp, SANDBOX_KEY};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

pub(crate) type Socket = WebSocketStream<TcpStream>;

const PASSWORD: &str = "correct horse battery";

/// Opens `ws://{label}.inbox.localhost:{router port}{path}` on a TCP connection to the router, as
/// a browser that resolves `*.inbox.localhost` to it would.
async fn open(
    app: &TestApp,
    label: &str,
    path: &str,
) -> Result<(Socket, Response), tungstenite::Error> {
    let port = app.router_addr().port();
    let tcp = TcpStream::connect(app.router_addr()).await.unwrap();
    tokio_tungstenite::client_async(format!("ws://{label}.inbox.localhost:{port}{path}"), tcp).await
}

pub(crate) async fn open_and_sign_in(
    app: &TestApp,
    label: &str,
    path: &str,
    token: &str,
) -> Socket {
    let (mut socket, response) = open(app, label, path)
        .await
        .unwrap_or_else(|e| panic!("the websocket at {label}{path} opens: {e}"));
    assert_eq!(response.status(), 101);
    let hello = json!({ "token": token }).to_string();
    socket.send(Message::text(hello)).await.unwrap();
    socket
}

/// The refusal a status-only client sees when the router answers instead of upgrading.
async fn refused(app: &TestApp, label: &str, path: &str) -> (u16, String) {
    match open(app, label, path).await {
        Err(tungstenite::Error::Http(response)) => {
            assert!(
                !response.headers().contains_key("upgrade"),
                "no upgrade: {response:?}"
            );
            let body = response.body().as_deref().unwrap_or_default();
            (
                response.status().as_u16(),
                String::from_utf8_lossy(body).into_owned(),
            )
        }
        Err(other) => panic!("expected an HTTP answer, got {other}"),
        Ok((_, response)) => panic!("expected no upgrade, got {response:?}"),
    }
}

/// Nothing arrives for a while and the socket is not closed.
async fn stays_open(socket: &mut Socket) {
    if let Ok(next) = tokio::time::timeout(Duration::from_secs(1), socket.next()).await {
        panic!("the socket should stay open, got {next:?}");
    }
}

/// The code of the close frame the instance sends.
async fn close_code(socket: &mut Socket) -> u16 {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(15), socket.next())
            .await
            .expect("the instance closes the socket in time");
        match next {
            Some(Ok(Message::Close(Some(frame)))) => return frame.code.into(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// The next data frame, as JSON.
pub(crate) async fn next_frame(socket: &mut Socket) -> Value {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(15), socket.next())
            .await
            .expect("a frame arrives in time");
        match next {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

/// A ready instance whose configurator's token event went to a receiver: that token.
pub(crate) async fn ready_instance(
    app: &TestApp,
    subdomain: &str,
    channel: &str,
) -> (String, String) {
    let receiver = Receiver::start(vec![]).await;
    let created = app
        .create(
            json!({"subdomain": subdomain, "channel_id": channel, "configurator": {
            "user_name": "service_account", "webhook_url": receiver.url("/webhook")}}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    app.wait_for(&id, "ready").await;
    for _ in 0..200 {
        if let Some(event) = receiver.received().first() {
            let body: Value = serde_json::from_slice(&event.body).unwrap();
            return (id, body["token"].as_str().unwrap().to_owned());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no token event for {subdomain}");
}

/// An admin the configurator creates, signed in: the admin's API token.
pub(crate) async fn admin_token(app: &TestApp, subdomain: &str, configurator: &str) -> String {
    let port = app.router_addr().port();
    let post = |path: &str, auth: Option<&str>, body: Value| {
        let request = app
            .client
            .post(format!("http://{}{path}", app.router_addr()))
            .header("Host", format!("{subdomain}.inbox.localhost:{port}"))
            .json(&body);
        match auth {
            Some(token) => request.header("Authorization", format!("Token {token}")),
            None => request,
        }
        .send()
    };
    let user = json!({"username": "push-admin", "password": PASSWORD, "role": "admin"});
    let (status, body) = json(
        post("/api/v1/users/", Some(configurator), user)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let credentials = json!({"username": "push-admin", "password": PASSWORD});
    let (status, body) = json(
        post("/api/v1/auth/token/", None, credentials)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn the_push_channel_at_websockets_subdomain_brings_a_signed_in_admin_the_inbound_message(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (_, configurator) = ready_instance(&app, "push-test", "PushCH").await;
    let admin = admin_token(&app, "push-test", &configurator).await;
    let mut socket = open_and_sign_in(&app, "websockets-push-test", "/", &admin).await;
    stays_open(&mut socket).await;

    let text = "Hello through the router";
    let customer = json!({"from": "4915112345678", "name": "Ada", "text": text});
    let path = "/sandbox/360dialog/simulator/channels/PushCH/inbound";
    let (status, sent) = json(app.post_json(path, SANDBOX_KEY, &customer).await).await;
    assert_eq!(
        (status, sent["status"].as_u64()),
        (200, Some(200)),
        "{sent}"
    );
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame["type"], "waba_webhook", "{frame}");
    let value = &frame["waba_payload"]["entry"][0]["changes"][0]["value"];
    assert_eq!(value["messages"][0]["text"]["body"], text, "{frame}");
    assert_eq!(value["messages"][0]["id"], sent["id"], "{frame}");
    socket.close(None).await.unwrap();
    app.stop().await;
}

async fn the_push_channel_also_opens_at_ws_on_the_instances_own_host(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, configurator) = ready_instance(&app, "own-host", "OwnHostCH").await;
    let admin = admin_token(&app, "own-host", &configurator).await;
    let mut socket = open_and_sign_in(&app, "own-host", "/ws/", &admin).await;
    stays_open(&mut socket).await;

    let mut refused_configurator = open_and_sign_in(&app, "own-host", "/ws/", &configurator).await;
    assert_eq!(
        close_code(&mut refused_configurator).await,
        4003,
        "the instance's close frame comes through the router: no messaging for the configurator"
    );
    stays_open(&mut socket).await;
    app.stop().await;
}

async fn a_websocket_to_an_unknown_subdomain_gets_404_and_no_upgrade(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (label, path) in [("websockets-nobody-here", "/"), ("nobody-here", "/ws/")] {
        let (status, page) = refused(&app, label, path).await;
        assert_eq!(status, 404, "{label}{path}");
        assert!(page.contains("No inbox here"), "{page}");
    }
    app.stop().await;
}

async fn a_websocket_to_an_instance_in_preparation_gets_503_and_no_upgrade(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let inbox = crate::support::inbox_bin();
    let slow = format!("sleep 2\nexec {} \"$@\"", inbox.display());
    let slow = script(dir.path(), "slow-inbox", &slow);
    let app = TestApp::spawn_with(backend, |args| args.inbox_bin = Some(slow)).await;
    app.create(json!({"subdomain": "preparing", "channel_id": "PrepWsCH"}))
        .await;
    let (status, page) = refused(&app, "websockets-preparing", "/").await;
    assert_eq!(status, 503);
    assert!(page.contains("being prepared"), "{page}");
    app.stop().await;
}

/// `websockets-acme` names both `acme`'s push channel and an instance of its own: its pages stay
/// its own, and `acme`'s push channel stays `acme`'s (see `router/hosts.rs`).
async fn a_subdomain_starting_with_websockets_keeps_its_pages_and_leaves_the_push_channel_to_the_other(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (_, acme_token) = ready_instance(&app, "acme-push", "AcmePushCH").await;
    let (squatter, _) = ready_instance(&app, "websockets-acme-push", "SquatterCH").await;

    let health = app
        .via_router("websockets-acme-push", "/api/v1/status/health")
        .await;
    let (status, body) = json(health).await;
    assert_eq!(
        (status, body["instance_id"].as_str()),
        (200, Some(squatter.as_str()))
    );

    // The configurator's token is known only to acme-push, which refuses it with 4003 (no
    // messaging); the other instance would not know it (4001).
    let mut socket = open_and_sign_in(&app, "websockets-acme-push", "/", &acme_token).await;
    assert_eq!(close_code(&mut socket).await, 4003, "reached acme-push");
    let mut socket =
        open_and_sign_in(&app, "websockets-websockets-acme-push", "/", &acme_token).await;
    assert_eq!(close_code(&mut socket).await, 4001, "reached the other one");
    app.stop().await;
}

async fn the_push_channel_of_a_63_character_subdomain_is_reached_at_a_longer_label(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let subdomain = format!("long{}", "x".repeat(59));
    assert_eq!(subdomain.len(), 63);
    let (_, configurator) = ready_instance(&app, &subdomain, "LongCH").await;
    let label = format!("websockets-{subdomain}");
    let mut socket = open_and_sign_in(&app, &label, "/", &configurator).await;
    assert_eq!(close_code(&mut socket).await, 4003, "reached the instance");
    app.stop().await;
}

crate::on_both_backends!(
    the_push_channel_at_websockets_subdomain_brings_a_signed_in_admin_the_inbound_message,
    the_push_channel_also_opens_at_ws_on_the_instances_own_host,
    a_websocket_to_an_unknown_subdomain_gets_404_and_no_upgrade,
    a_websocket_to_an_instance_in_preparation_gets_503_and_no_upgrade,
    a_subdomain_starting_with_websockets_keeps_its_pages_and_leaves_the_push_channel_to_the_other,
    the_push_channel_of_a_63_character_subdomain_is_reached_at_a_longer_label,
);
