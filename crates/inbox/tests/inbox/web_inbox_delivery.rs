//! The web inbox with a 360Dialog that answers (`FakeD360`): templates outside the 24-hour
//! window, and how far each of our messages got.

use crate::fake_d360::{shop_templates, FakeD360};
use crate::support::html::{expect_page, shows};
use crate::support::instance::{inbound_secret, time_now};
use crate::support::web::{get_text, location};
use crate::support::{Instance, Spec};
use crate::web_inbox::{agent_in_inbox, customer_text, deliver, post_to_chat, ANA};
use serde_json::json;

const DAY: i64 = 24 * 60 * 60;

#[tokio::test]
async fn outside_the_window_a_template_without_variables_is_chosen_and_sent() {
    let instance = Instance::start(Spec::default()).await;
    let d360 = FakeD360::start(shop_templates()).await;
    d360.serve(&instance, 2).await;
    let client = agent_in_inbox(&instance).await;
    let old = customer_text(ANA, "Ana", "Tell me when it is back", time_now() - 2 * DAY);
    deliver(&instance.url(""), &inbound_secret(&instance.spec), &old).await;

    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    let variable = post_to_chat(
        &client,
        &instance,
        &[("type", "template"), ("template", "en_US:order_update")],
    )
    .await;
    let sent = post_to_chat(
        &client,
        &instance,
        &[("type", "template"), ("template", "en_US:back_in_stock")],
    )
    .await;

    assert!(
        shows(
            &chat,
            r#"<option value="en_US:back_in_stock">back_in_stock (en_US) — Good news"#
        ),
        "{chat}"
    );
    assert!(shows(
        &chat,
        r#"<option value="en_US:order_update" disabled>order_update (en_US) — has variables"#
    ));
    expect_page(variable, 400, "Choose one of the templates listed.").await;
    assert!(location(&sent).starts_with(&format!("/inbox/chats/{ANA}?sent=sent&message=")));
    let bodies = d360.sent();
    assert_eq!(
        bodies.len(),
        1,
        "only the template without variables went out"
    );
    assert_eq!(
        bodies[0]["template"],
        json!({"name": "back_in_stock", "language": {"code": "en_US", "policy": "deterministic"}})
    );
    let after = get_text(&client, &instance, location(&sent)).await;
    assert!(shows(&after, "Sent."), "{after}");
    assert!(
        shows(&after, "Template: <strong>back_in_stock</strong>"),
        "{after}"
    );
    assert!(shows(&after, r#"class="status sent""#));
}

#[tokio::test]
async fn our_messages_show_how_far_they_got_and_why_one_failed() {
    let instance = Instance::start(Spec::default()).await;
    let d360 = FakeD360::start(vec![]).await;
    d360.serve(&instance, 0).await;
    let client = agent_in_inbox(&instance).await;
    let secret = inbound_secret(&instance.spec);
    deliver(
        &instance.url(""),
        &secret,
        &customer_text(ANA, "Ana", "Hi", time_now()),
    )
    .await;
    for text in ["first answer", "second answer"] {
        let sent = post_to_chat(&client, &instance, &[("type", "text"), ("body", text)]).await;
        assert!(location(&sent).contains("sent=sent"), "{}", location(&sent));
    }

    let details = "Message failed to send because more than 24 hours have passed.";
    let statuses = json!({"entry": [{"changes": [{"value": {"statuses": [
        {"id": "wamid.fake.1", "status": "read", "timestamp": time_now().to_string()},
        {"id": "wamid.fake.2", "status": "failed", "timestamp": time_now().to_string(),
         "errors": [{"code": 131047, "title": "Re-engagement message",
                     "error_data": {"details": details}}]}]}}]}]});
    deliver(&instance.url(""), &secret, &statuses).await;

    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    let list = get_text(&client, &instance, "/inbox/").await;
    assert!(
        shows(
            &chat,
            r#"<span class="status read" title="Read" aria-label="Read">✓✓</span>"#
        ),
        "{chat}"
    );
    assert!(shows(&chat, &format!("{details} (code 131047)")), "{chat}");
    assert!(
        shows(&list, "⚠ Not sent"),
        "the list marks the failed last message: {list}"
    );
}
