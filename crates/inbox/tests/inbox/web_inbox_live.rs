//! The web inbox's live feed over HTTP: the page loads its own script under a strict policy, and
//! the page's websocket (`/inbox/ws`) is signed in by the session cookie, only from the
//! instance's own pages, and ends when the session does.

use crate::support::html::csrf_token;
use crate::support::instance::inbound_secret;
use crate::support::web::{get_text, location, sign_in};
use crate::support::{browser_client, Instance, Spec, PASSWORD};
use crate::web_inbox::{customer_text, deliver, ANA};
use futures_util::{SinkExt, StreamExt};
use reqwest::Client;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const PATIENCE: Duration = Duration::from_secs(5);

/// An agent signed in to the web inbox: the cookie-keeping client and its session cookie.
async fn signed_in_agent(instance: &Instance) -> (Client, String) {
    instance.add_user("bruno", "agent").await;
    let client = browser_client();
    let answer = sign_in(&client, instance, "/inbox/login", "bruno", PASSWORD).await;
    assert_eq!(location(&answer), "/inbox/");
    let cookie = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("inbox_session="))
        .expect("a session cookie");
    let pair = cookie.split(';').next().expect("name=value").to_owned();
    (client, pair)
}

async fn open_feed(instance: &Instance, cookie: &str, origin: &str) -> Result<Socket, WsError> {
    let url = format!("ws://127.0.0.1:{}/inbox/ws", instance.port);
    let mut request = url.into_client_request().expect("a request");
    request
        .headers_mut()
        .insert("cookie", cookie.parse().expect("header"));
    request
        .headers_mut()
        .insert("origin", origin.parse().expect("header"));
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

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

fn refused_with(result: Result<Socket, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("the socket opened"),
    }
}

#[tokio::test]
async fn the_page_feed_is_signed_in_by_the_cookie_and_hears_a_new_message_at_once() {
    let instance = Instance::start(Spec::default()).await;
    let (_client, cookie) = signed_in_agent(&instance).await;
    let own_origin = instance.url("");

    let mut socket = open_feed(&instance, &cookie, &own_origin)
        .await
        .expect("the page's own origin opens the feed");
    let webhook = customer_text(ANA, "Ana", "Hello?", crate::support::instance::time_now());
    deliver(&own_origin, &inbound_secret(&instance.spec), &webhook).await;

    let Message::Text(frame) = next_message(&mut socket).await else {
        panic!("a text frame");
    };
    assert!(frame.contains("Hello?"), "{frame}");
}

#[tokio::test]
async fn another_sites_page_or_a_browser_without_a_session_cannot_open_the_feed() {
    let instance = Instance::start(Spec::default()).await;
    let (_client, cookie) = signed_in_agent(&instance).await;

    let hijack = open_feed(&instance, &cookie, "https://evil.example").await;
    let stranger = open_feed(&instance, "inbox_session=made-up", &instance.url("")).await;

    assert_eq!(refused_with(hijack), 403);
    assert_eq!(refused_with(stranger), 303, "sent to the sign-in page");
}

#[tokio::test]
async fn signing_out_closes_the_pages_feed() {
    let instance = Instance::start(Spec::default()).await;
    let (client, cookie) = signed_in_agent(&instance).await;
    let mut socket = open_feed(&instance, &cookie, &instance.url(""))
        .await
        .expect("open");
    socket
        .send(Message::Ping(b"?".to_vec().into()))
        .await
        .unwrap();
    assert!(matches!(
        tokio::time::timeout(PATIENCE, socket.next()).await,
        Ok(Some(Ok(Message::Pong(_))))
    ));

    let page = get_text(&client, &instance, "/inbox/").await;
    let out = client
        .post(instance.url("/inbox/logout"))
        .form(&[("csrf_token", csrf_token(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&out), "/inbox/login");

    match next_message(&mut socket).await {
        Message::Close(Some(CloseFrame { code, reason })) => {
            assert_eq!((u16::from(code), reason.as_str()), (4001, "Signed out."));
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn the_inbox_runs_only_its_own_script_which_browsers_keep_until_it_changes() {
    let instance = Instance::start(Spec::default()).await;
    let (client, _) = signed_in_agent(&instance).await;

    let page = client.get(instance.url("/inbox/")).send().await.unwrap();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let start = html.find("<script src=\"").expect("a script") + "<script src=\"".len();
    let src = &html[start..start + html[start..].find('"').unwrap()];
    let script = client.get(instance.url(src)).send().await.unwrap();

    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(
        !html.contains("http-equiv=\"refresh\""),
        "no more reloading"
    );
    assert_eq!(html.matches("<script").count(), 1, "no inline script");
    assert!(src.starts_with("/assets/inbox.js?v="), "{src}");
    assert_eq!(script.status(), 200);
    assert!(script.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(script.text().await.unwrap().contains("/inbox/ws"));
}
