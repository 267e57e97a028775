//! The three documented ways to create an instance, end to end through the Partner API, the
//! deployment, the router and the instance: as the partner's automation, a mail client and a
//! person in a real browser would live them.

use crate::receiver::Receiver;
use crate::smtp_sink::SmtpSink;
use crate::support::{inbox_bin, script, Backend, TestApp};
use chromium_test::{
    click, path_of, type_into, wait_for, wait_for_path, wait_for_text, with_browser,
};
use fantoccini::{Client, Locator};
use mail_parser::MessageParser;
use serde_json::{json, Value};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";
const SENTENCE: &str = "Click here to activate your inbox and set your password:";

async fn screenshot(client: &Client, name: &str) {
    chromium_test::screenshot(client, env!("CARGO_TARGET_TMPDIR"), &format!("e2e-{name}")).await;
}

/// The activation link of the e-mail that reached the sink, once it did.
async fn activation_link_from_mail(sink: &SmtpSink) -> String {
    for _ in 0..200 {
        if let Some(raw) = sink.messages().first() {
            let message = MessageParser::default()
                .parse(raw.as_bytes())
                .expect("a parsable message");
            assert_eq!(message.subject(), Some("WhatsApp Inbox Activation"));
            let text = message.body_text(0).expect("a text part");
            let link = text
                .split(SENTENCE)
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .expect("the link after the sentence");
            return link.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no activation e-mail arrived");
}

async fn the_configurator_example_ends_with_a_token_event_that_works_on_the_instance(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let receiver = Receiver::start(vec![]).await;
    let created = app
        .create(
            json!({"subdomain": "mycompany-test", "channel_id": "ChAnElCH", "configurator": {
            "user_name": "service_account", "webhook_url": receiver.url("/webhook"),
            "webhook_headers": {"X-Partner-Secret": "s3cret"}}}),
        )
        .await;
    app.wait_for(created["id"].as_str().unwrap(), "ready").await;
    let mut received = Vec::new();
    for _ in 0..200 {
        received = receiver.received();
        if !received.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(received.len(), 1, "one token event");
    let event = &received[0];
    assert_eq!(event.headers["x-partner-secret"], "s3cret");
    assert_eq!(event.headers["content-type"], "application/json");
    let body: Value = serde_json::from_slice(&event.body).unwrap();
    assert_eq!(
        body.as_object().unwrap().len(),
        1,
        "exactly the documented body: {body}"
    );
    let token = body["token"].as_str().unwrap();

    let port = app.router_addr().port();
    let host = format!("mycompany-test.inbox.localhost:{port}");
    let as_configurator = |path: &str| {
        app.client
            .get(format!("http://{}{path}", app.router_addr()))
            .header("Host", &host)
            .header("Authorization", format!("Token {token}"))
            .send()
    };
    let me: Value = as_configurator("/api/v1/users/current/")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some("service_account"), Some("configurator"))
    );
    assert_eq!(
        as_configurator("/api/v1/messages/").await.unwrap().status(),
        403,
        "no messaging for the configurator"
    );
    assert_eq!(
        as_configurator("/api/v1/users/").await.unwrap().status(),
        200,
        "but every admin endpoint"
    );
    app.stop().await;
}

async fn the_email_example_sends_the_activation_email_whose_link_opens_the_password_page(
    backend: Backend,
) {
    let sink = SmtpSink::start(None).await;
    let smtp_url = sink.url();
    let app = TestApp::spawn_with(backend, |args| {
        args.smtp_url = Some(smtp_url.parse().unwrap())
    })
    .await;
    let created = app.create(json!({"subdomain": "mail-example", "channel_id": "MailCH", "admin_email": "example@example.com"})).await;
    app.wait_for(created["id"].as_str().unwrap(), "ready").await;
    let link = activation_link_from_mail(&sink).await;
    let port = app.router_addr().port();
    let prefix = format!("http://mail-example.inbox.localhost:{port}/confirm_account?c=");
    assert!(link.starts_with(&prefix), "{link}");

    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let path = link.trim_start_matches(&format!("http://mail-example.inbox.localhost:{port}"));
    let opened = client
        .get(format!("http://{}{path}", app.router_addr()))
        .header("Host", format!("mail-example.inbox.localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200, "the link opens the password form");
    let page = opened.text().await.unwrap();
    assert!(page.contains("Set your password"), "{page}");
    assert!(
        page.contains(r#"action="/confirm_account""#),
        "the form posts back to the instance: {page}"
    );
    app.stop().await;
}

crate::on_both_backends!(
    the_configurator_example_ends_with_a_token_event_that_works_on_the_instance,
    the_email_example_sends_the_activation_email_whose_link_opens_the_password_page,
);

async fn set_password(client: &Client) {
    wait_for(client, "input[name=password_confirmation]").await;
    type_into(client, "input[name=password]", PASSWORD).await;
    type_into(client, "input[name=password_confirmation]", PASSWORD).await;
    click(client, "button[type=submit]").await;
    wait_for_text(client, ".notice.success", "Your password is saved").await;
    assert_eq!(path_of(client).await, "/admin/");
}

async fn go_to_the_web_inbox_and_sign_in(client: &Client, username: &str, seats: &str) {
    click(client, "details.menu summary").await;
    client
        .find(Locator::LinkText("Go to Web Inbox"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(client, "/inbox/login").await;
    type_into(client, "input[name=username]", username).await;
    type_into(client, "input[name=password]", PASSWORD).await;
    click(client, "button[type=submit]").await;
    wait_for_text(client, ".signed-in-user", username).await;
    wait_for_text(client, ".seats-text", seats).await;
    wait_for_text(client, ".inbox-list", "No conversations yet").await;
}

/// Example 3 as a person lives it: the e-mail arrives, the link is opened (here even before the
/// inbox is ready, so the "being prepared" page waits and refreshes itself), the password is set,
/// SAVE leads to the admin panel, and "Go to Web Inbox" to a separate sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_follows_the_email_link_in_a_browser_from_preparing_page_to_web_inbox() {
    let sink = SmtpSink::start(None).await;
    let smtp_url = sink.url();
    let dir = tempfile::tempdir().unwrap();
    let slow = script(
        dir.path(),
        "slow-inbox",
        &format!("sleep 4\nexec {} \"$@\"", inbox_bin().display()),
    );
    let app = TestApp::spawn_with(Backend::Sqlite, |args| {
        args.smtp_url = Some(smtp_url.parse().unwrap());
        args.inbox_bin = Some(slow);
    })
    .await;
    let created = app
        .create(json!({"subdomain": "browser-mail", "channel_id": "BrowserMailCH", "admin_email": "owner@example.com", "generate_activation": true}))
        .await;
    let early_link = created["activation_url"].as_str().unwrap().to_owned();

    with_browser(move |client| async move {
        client.goto(&early_link).await.unwrap();
        wait_for_text(&client, "h1", "Your inbox is being prepared").await;
        screenshot(&client, "01-being-prepared").await;
        set_password(&client).await;
        screenshot(&client, "02-admin-panel").await;
        go_to_the_web_inbox_and_sign_in(&client, "owner@example.com", "1 of 5 seats in use").await;
        screenshot(&client, "03-web-inbox").await;
    })
    .await;

    let link = activation_link_from_mail(&sink).await;
    assert_eq!(
        link, created["activation_url"],
        "the e-mail carries the same link"
    );
    with_browser(move |client| async move {
        client.goto(&link).await.unwrap();
        wait_for_text(&client, "h1", "This link was already used").await;
        screenshot(&client, "04-link-used").await;
    })
    .await;
    app.stop().await;
}

/// Example 1 in a browser through the router: the pre-generated activation URL, then the admin
/// panel's seat limit as an admin meets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quick_start_activation_url_works_in_a_browser_and_the_admin_panel_enforces_seats() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let created = app
        .create(json!({"subdomain": "browser-quick", "channel_id": "BrowserQuickCH", "generate_activation": true, "max_number_of_seats": 2}))
        .await;
    app.wait_for(created["id"].as_str().unwrap(), "ready").await;
    let activation_url = created["activation_url"].as_str().unwrap().to_owned();

    with_browser(move |client| async move {
        client.goto(&activation_url).await.unwrap();
        set_password(&client).await;
        type_into(&client, "input[name=username]", "ana").await;
        type_into(&client, "input[name=password]", PASSWORD).await;
        click(&client, "form[action='/admin/users'] button").await;
        wait_for_text(&client, ".notice.success", "The user was added.").await;
        type_into(&client, "input[name=username]", "bruno").await;
        type_into(&client, "input[name=password]", PASSWORD).await;
        click(&client, "form[action='/admin/users'] button").await;
        wait_for_text(&client, ".notice.error", "Seat limit reached").await;
        wait_for_text(&client, ".seats-text", "2 of 2 seats in use").await;
        screenshot(&client, "05-seat-limit").await;
        go_to_the_web_inbox_and_sign_in(&client, "admin", "2 of 2 seats in use").await;
    })
    .await;
    app.stop().await;
}
