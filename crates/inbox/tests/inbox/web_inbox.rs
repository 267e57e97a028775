//! The web inbox over HTTP: conversations arrive by 360Dialog's webhook, are listed, opened and
//! answered through the pages' forms. The instance's 360Dialog URL refuses connections, so every
//! answer is queued.

use crate::support::html::{csrf_token, expect_page, shows};
use crate::support::instance::{inbound_secret, time_now};
use crate::support::web::{get_text, location, sign_in};
use crate::support::{api_client, browser_client, token_for, Instance, Spec, PASSWORD};
use inbox::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};
use reqwest::Client;
use serde_json::{json, Value};

pub const ANA: &str = "4915112345678";
const DAY: i64 = 24 * 60 * 60;

/// A customer's text as the Cloud API's webhook carries it, with their profile name.
pub fn customer_text(from: &str, name: &str, body: &str, timestamp: i64) -> Value {
    let message = json!({"from": from, "id": format!("wamid.{from}.{timestamp}"),
        "timestamp": timestamp.to_string(), "type": "text", "text": {"body": body}});
    json!({"object": "whatsapp_business_account", "entry": [{"id": "waba", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [message]}}]}]})
}

/// Posts `body` to the instance at `base_url` as 360Dialog does, with the right secret.
pub async fn deliver(base_url: &str, secret: &str, body: &Value) {
    let answer = reqwest::Client::new()
        .post(format!("{base_url}{INBOUND_WEBHOOK_PATH}"))
        .header(INBOUND_SECRET_HEADER, secret)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "the webhook is taken");
}

async fn customer_writes(instance: &Instance, name: &str, body: &str, timestamp: i64) {
    let secret = inbound_secret(&instance.spec);
    let webhook = customer_text(ANA, name, body, timestamp);
    deliver(&instance.url(""), &secret, &webhook).await;
}

/// An agent signed in to the web inbox.
pub async fn agent_in_inbox(instance: &Instance) -> Client {
    instance.add_user("bruno", "agent").await;
    let client = browser_client();
    let signed_in = sign_in(&client, instance, "/inbox/login", "bruno", PASSWORD).await;
    assert_eq!(location(&signed_in), "/inbox/");
    client
}

/// Posts the chat's form with `fields` and the page's CSRF token.
pub async fn post_to_chat(
    client: &Client,
    instance: &Instance,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let chat = get_text(client, instance, &format!("/inbox/chats/{ANA}")).await;
    let token = csrf_token(&chat);
    let mut form = fields.to_vec();
    form.push(("csrf_token", &token));
    client
        .post(instance.url(&format!("/inbox/chats/{ANA}/send")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn reply(client: &Client, instance: &Instance, text: &str) -> reqwest::Response {
    post_to_chat(client, instance, &[("type", "text"), ("body", text)]).await
}

#[tokio::test]
async fn a_customer_message_is_listed_with_name_preview_and_unread_badge_until_it_is_opened() {
    let instance = Instance::start(Spec::default()).await;
    let client = agent_in_inbox(&instance).await;
    customer_writes(&instance, "Ana López", "Is my order ready?", time_now()).await;

    let list = get_text(&client, &instance, "/inbox/").await;
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    let list_after = get_text(&client, &instance, "/inbox/").await;

    assert!(
        shows(&list, "Ana López") && shows(&list, &format!("+{ANA}")),
        "{list}"
    );
    assert!(shows(&list, "Is my order ready?"));
    assert!(
        shows(
            &list,
            r#"<span class="badge" title="Unread messages">1</span>"#
        ),
        "{list}"
    );
    assert!(shows(&list, &format!(r#"href="/inbox/chats/{ANA}""#)));
    assert!(
        shows(&list, r#"<script src="/assets/inbox.js?v="#),
        "the list keeps itself current with the live script: {list}"
    );
    assert!(
        shows(&chat, r#"<p class="text">Is my order ready?</p>"#),
        "{chat}"
    );
    assert!(
        !shows(&chat, "http-equiv"),
        "an open conversation never reloads under the composer"
    );
    assert!(
        shows(&chat, r#"name="body""#),
        "the composer is there within the window"
    );
    assert!(
        !shows(&list_after, r#"class="badge""#),
        "opening the chat marked it received"
    );
}

#[tokio::test]
async fn a_customers_markup_in_name_and_text_is_shown_as_text() {
    let instance = Instance::start(Spec::default()).await;
    let client = agent_in_inbox(&instance).await;
    let evil = "<script>alert(1)</script>";
    customer_writes(
        &instance,
        evil,
        &format!("hi {evil} <img src=x>"),
        time_now(),
    )
    .await;

    let list = get_text(&client, &instance, "/inbox/").await;
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;

    for page in [&list, &chat] {
        assert!(
            !page.contains("<script>") && !page.contains("<img src=x>"),
            "{page}"
        );
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn outside_the_24_hour_window_the_composer_gives_way_to_the_template_notice() {
    let instance = Instance::start(Spec::default()).await;
    let client = agent_in_inbox(&instance).await;
    customer_writes(&instance, "Ana", "Thanks!", time_now() - 2 * DAY).await;

    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    let sent = reply(&client, &instance, "Are you still there?").await;

    assert!(shows(
        &chat,
        "WhatsApp allows only template messages until they write again"
    ));
    assert!(shows(&chat, "without variables (such as {{1}})"), "{chat}");
    assert!(
        !shows(&chat, r#"name="body""#),
        "no free-form composer: {chat}"
    );
    assert_eq!(
        location(&sent),
        format!("/inbox/chats/{ANA}?sent=window-closed")
    );
    let after = get_text(&client, &instance, location(&sent)).await;
    assert!(shows(&after, "more than 24 hours ago"), "{after}");
    assert!(!shows(&after, "Are you still there?"), "nothing was kept");
}

#[tokio::test]
async fn a_reply_while_360dialog_is_unreachable_is_queued_and_shown_as_queued() {
    let instance = Instance::start(Spec::default()).await;
    let client = agent_in_inbox(&instance).await;
    customer_writes(&instance, "Ana", "Hello?", time_now()).await;

    let sent = reply(&client, &instance, "Hi Ana, <b>one moment</b>").await;

    assert_eq!(sent.status(), 303);
    let back = location(&sent).to_owned();
    assert!(
        back.starts_with(&format!("/inbox/chats/{ANA}?sent=queued&message=")),
        "{back}"
    );
    let chat = get_text(&client, &instance, &back).await;
    assert!(
        shows(&chat, "Queued: 360Dialog is not available right now"),
        "{chat}"
    );
    assert!(
        shows(&chat, "Hi Ana, &lt;b&gt;one moment&lt;/b&gt;"),
        "{chat}"
    );
    assert!(shows(&chat, r#"<span class="sender">bruno</span>"#));
    assert!(shows(&chat, r#"class="status queued""#));
    let list = get_text(&client, &instance, "/inbox/").await;
    assert!(
        shows(&list, "Hi Ana, &lt;b&gt;one moment&lt;/b&gt;"),
        "the newest message: {list}"
    );
}

#[tokio::test]
async fn a_blank_reply_comes_back_with_its_field_error_and_sends_nothing() {
    let instance = Instance::start(Spec::default()).await;
    let client = agent_in_inbox(&instance).await;
    customer_writes(&instance, "Ana", "Hello?", time_now()).await;

    let refused = reply(&client, &instance, "   ").await;

    let page = expect_page(refused, 400, "The text body may not be blank.").await;
    assert!(shows(&page, r#"aria-invalid="true""#));
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(
        !shows(&chat, "class=\"bubble ours\""),
        "nothing was sent: {chat}"
    );
}

#[tokio::test]
async fn a_reply_without_the_pages_csrf_token_is_refused() {
    let instance = Instance::start(Spec::default()).await;
    let client = agent_in_inbox(&instance).await;
    customer_writes(&instance, "Ana", "Hello?", time_now()).await;

    let forged = client
        .post(instance.url(&format!("/inbox/chats/{ANA}/send")))
        .form(&[("type", "text"), ("body", "hi"), ("csrf_token", "00")])
        .send()
        .await
        .unwrap();

    expect_page(forged, 403, "This form has expired").await;
}

#[tokio::test]
async fn an_unknown_or_malformed_chat_is_the_sites_404_page() {
    let instance = Instance::start(Spec::default()).await;
    let client = agent_in_inbox(&instance).await;

    for path in ["/inbox/chats/4915199999999", "/inbox/chats/not-a-number"] {
        let answer = client.get(instance.url(path)).send().await.unwrap();
        expect_page(answer, 404, "Page not found").await;
    }
}

#[tokio::test]
async fn search_and_the_unread_filter_narrow_the_list() {
    let instance = Instance::start(Spec::default()).await;
    let client = agent_in_inbox(&instance).await;
    let secret = inbound_secret(&instance.spec);
    customer_writes(&instance, "Ana", "Where is my parcel?", time_now()).await;
    let carla = customer_text("4915198765432", "Carla", "Thanks a lot", time_now());
    deliver(&instance.url(""), &secret, &carla).await;
    get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;

    let by_text = get_text(&client, &instance, "/inbox/?search=parcel").await;
    let unread = get_text(&client, &instance, "/inbox/?unread=1").await;
    let nothing = get_text(&client, &instance, "/inbox/?search=nobody").await;

    assert!(
        shows(&by_text, "Ana") && !shows(&by_text, "Carla"),
        "{by_text}"
    );
    assert!(
        shows(&by_text, r#"value="parcel""#),
        "the box keeps the search"
    );
    assert!(
        shows(&unread, "Carla") && !shows(&unread, "Where is my parcel?"),
        "{unread}"
    );
    assert!(shows(&nothing, "No conversations match"));
}

#[tokio::test]
async fn media_is_served_to_signed_in_users_only_and_never_as_a_page() {
    let instance = Instance::start(Spec::default()).await;
    let client = agent_in_inbox(&instance).await;
    let token: Value = token_for(&instance, "bruno", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let file = reqwest::multipart::Part::bytes(b"<html><script>x</script>".to_vec())
        .file_name("notes.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let uploaded: Value = api_client(token["token"].as_str().unwrap())
        .post(instance.url("/api/v1/media/"))
        .multipart(reqwest::multipart::Form::new().part("file", file))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = format!("/inbox/media/{}", uploaded["id"].as_str().unwrap());

    let served = client.get(instance.url(&path)).send().await.unwrap();
    let anonymous = browser_client()
        .get(instance.url(&path))
        .send()
        .await
        .unwrap();
    let missing = client
        .get(instance.url("/inbox/media/nothing-here"))
        .send()
        .await
        .unwrap();

    assert_eq!(served.status(), 200);
    let header = |name: &str| served.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(
        header("content-security-policy"),
        "sandbox; default-src 'none'"
    );
    assert_eq!(header("content-disposition"), "attachment");
    assert_eq!(location(&anonymous), "/inbox/login");
    assert_eq!(missing.status(), 404);
}
