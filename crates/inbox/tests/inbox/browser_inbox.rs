//! The web inbox in a real headless Chromium, with a 360Dialog that answers: a conversation
//! arrives while the list is open and shows up by itself, is opened and answered, and an old one
//! gets a template; screenshots at desktop and phone width land in `<target>/screenshots/`.

use crate::fake_d360::{shop_templates, FakeD360};
use crate::support::browser::{
    click, mark_page, path_of, screenshot, still_the_same_page, type_into, wait_for, wait_for_path,
    wait_for_text, with_browser,
};
use crate::support::instance::{inbound_secret, time_now};
use crate::support::{Instance, Spec, PASSWORD};
use crate::web_inbox::{customer_text, deliver, ANA};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use std::time::Duration;

const CARLA: &str = "4915198765432";
const DAY: i64 = 24 * 60 * 60;

async fn sign_in_to_inbox(client: &Client, base: &str) {
    client.goto(&format!("{base}/inbox/login")).await.unwrap();
    type_into(client, "input[name=username]", "bruno").await;
    type_into(client, "input[name=password]", PASSWORD).await;
    click(client, "button[type=submit]").await;
    wait_for_text(client, ".signed-in-user", "bruno").await;
}

/// Clicks a link of the list, which may reload between finding the link and clicking it.
async fn click_in_list(client: &Client, css: &str) {
    for _ in 0..20 {
        if let Ok(link) = client.find(Locator::Css(css)).await {
            if link.click().await.is_ok() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not click {css}");
}

#[tokio::test]
async fn a_new_conversation_appears_without_reloading_and_is_answered_in_a_browser() {
    let instance = Instance::start(Spec::default()).await;
    let d360 = FakeD360::start(shop_templates()).await;
    d360.serve(&instance, 2).await;
    instance.add_user("bruno", "agent").await;
    let base = instance.url("");
    let secret = inbound_secret(&instance.spec);
    let now = time_now();
    // An older conversation, outside WhatsApp's 24-hour window.
    let old = customer_text(
        CARLA,
        "Carla Souza",
        "Thank you, see you next week!",
        now - 3 * DAY,
    );
    deliver(&base, &secret, &old).await;

    with_browser(move |client| async move {
        sign_in_to_inbox(&client, &base).await;
        wait_for_text(&client, ".chats", "Carla Souza").await;
        let first = "Hola! Is my order #1042 ready to pick up?\nI can come at 5.";
        deliver(
            &base,
            &secret,
            &customer_text(ANA, "Ana López", first, now - 60),
        )
        .await;

        // Nobody reloads: the page hears of it over its websocket.
        wait_for_text(&client, ".chats", "Ana López").await;
        wait_for_text(&client, ".chat-item.unread .badge", "1").await;
        screenshot(&client, "10-inbox-list").await;

        click_in_list(&client, &format!("a[href^='/inbox/chats/{ANA}']")).await;
        wait_for_path(&client, &format!("/inbox/chats/{ANA}")).await;
        wait_for_text(&client, ".messages", "Is my order #1042 ready").await;
        type_into(&client, "textarea[name=body]", "Hi Ana! Yes, it is ready.").await;
        click(&client, "form.composer button[type=submit]").await;
        wait_for_text(&client, ".chat-foot .notice", "Sent.").await;
        deliver(&base, &secret, &read_status("wamid.fake.1")).await;
        click(&client, "a.refresh").await;
        wait_for(&client, ".bubble.ours .status.read").await;
        screenshot(&client, "11-inbox-conversation").await;

        client.set_window_size(390, 844).await.unwrap();
        screenshot(&client, "12-inbox-conversation-phone").await;
        click(&client, "a.back").await;
        wait_for_path(&client, "/inbox/").await;
        wait_for_text(&client, ".chats", "Hi Ana! Yes, it is ready.").await;
        screenshot(&client, "13-inbox-list-phone").await;

        click_in_list(&client, &format!("a[href^='/inbox/chats/{CARLA}']")).await;
        wait_for_text(&client, ".window-closed", "only template messages").await;
        assert_eq!(path_of(&client).await, format!("/inbox/chats/{CARLA}"));
        screenshot(&client, "14-inbox-template-phone").await;
        client.set_window_size(1280, 900).await.unwrap();
        click(&client, "form.template-form button[type=submit]").await;
        wait_for_text(&client, ".bubble.ours", "Template: back_in_stock").await;
        screenshot(&client, "15-inbox-template-sent").await;
    })
    .await;
}

#[tokio::test]
async fn a_page_whose_feed_drops_says_so_reconnects_and_catches_up_without_reloading() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("bruno", "agent").await;
    let base = instance.url("");
    let secret = inbound_secret(&instance.spec);
    let now = time_now();
    let first = customer_text(CARLA, "Carla Souza", "Good morning!", now - 120);
    deliver(&base, &secret, &first).await;

    with_browser(move |client| async move {
        sign_in_to_inbox(&client, &base).await;
        wait_for_text(&client, ".chats", "Carla Souza").await;
        wait_for(&client, "html[data-live=on]").await;
        mark_page(&client).await;

        // The instance goes away under the open page, long enough for a few reconnect attempts.
        let shown_while_stopped = async {
            wait_for(&client, "html[data-live=off]").await;
            wait_for_text(&client, "#live-status", "Reconnecting").await;
            screenshot(&client, "16-inbox-reconnecting").await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        };
        let instance = instance.restart_on_its_port(shown_while_stopped).await;
        // Most likely before the page's next attempt: it must catch up on what it missed.
        let missed = customer_text(ANA, "Ana López", "Are you open today?", time_now());
        deliver(&base, &secret, &missed).await;

        wait_for_text(&client, ".chats", "Are you open today?").await;
        wait_for(&client, "html[data-live=on]").await;
        let status = client.find(Locator::Css("#live-status")).await.unwrap();
        assert!(!status.is_displayed().await.unwrap(), "the notice is gone");
        assert!(
            still_the_same_page(&client).await,
            "the page was not reloaded"
        );
        drop(instance);
    })
    .await;
}

fn read_status(wamid: &str) -> Value {
    json!({"entry": [{"changes": [{"value": {"statuses": [
        {"id": wamid, "status": "read", "timestamp": time_now().to_string()}]}}]}]})
}
