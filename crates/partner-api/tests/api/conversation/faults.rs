//! What 360Dialog and the machine do wrong: an outage in a burst, the instance killed while a
//! message waits, a key revoked behind the instance's back.

use super::{texts, within, Inbox};
use crate::on_both_backends;
use crate::processes::{inbox_pids, kill};
use crate::support::{Backend, TestApp};

on_both_backends!(
    messages_sent_during_an_outage_are_kept_and_leave_in_order_once_each,
    a_queued_message_is_sent_once_after_the_instance_is_killed,
    a_revoked_key_fails_the_message_with_a_clear_reason,
);

async fn messages_sent_during_an_outage_are_kept_and_leave_in_order_once_each(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "burst", "BurstCH").await;
    inbox.customer_writes("Please send me the details").await;
    let (status, first) = inbox.send_text("part 1").await;
    assert_eq!(status, 201, "{first}");

    inbox.outage(2).await;
    let mut answers = vec![];
    for part in 2..=6 {
        answers.push(inbox.send_text(&format!("part {part}")).await);
    }

    for (status, answer) in &answers {
        assert_eq!(*status, 202, "{answer}");
        assert!(
            answer["id"].is_number() && answer["reason"].is_string(),
            "{answer}"
        );
    }
    let expected: Vec<String> = (1..=6).map(|p| format!("part {p}")).collect();
    let sent = within(30, "every queued message sent", || async {
        let sent = texts(&inbox.sent().await);
        (sent.len() >= expected.len()).then_some(sent)
    })
    .await;
    assert_eq!(sent, expected, "in order, each once");
    let messages = inbox.messages().await;
    assert!(
        messages.iter().all(|m| m["waba_payload"]["id"].is_string()),
        "every message has its wamid"
    );
    app.stop().await;
}

async fn a_queued_message_is_sent_once_after_the_instance_is_killed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "phoenix-mail", "PhoenixMailCH").await;
    inbox.customer_writes("Are you there?").await;
    inbox.outage(3600).await;
    let (status, queued) = inbox.send_text("Yes, we are").await;
    assert_eq!(status, 202, "{queued}");

    let pids = inbox_pids(&inbox.id);
    assert_eq!(pids.len(), 1);
    kill(pids[0], "-KILL");
    inbox.outage(0).await;

    let sent = within(30, "the queued message sent after the restart", || async {
        let sent = texts(&inbox.sent().await);
        (!sent.is_empty()).then_some(sent)
    })
    .await;
    assert_eq!(sent, ["Yes, we are"]);
    assert_ne!(inbox_pids(&inbox.id), pids, "a new process sent it");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(texts(&inbox.sent().await), ["Yes, we are"], "and only once");
    app.stop().await;
}

async fn a_revoked_key_fails_the_message_with_a_clear_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "revoked", "RevokedCH").await;
    inbox.customer_writes("Hello").await;
    app.sandbox_d360_key("RevokedCH").await;

    let (status, refused) = inbox.send_text("Hello back").await;

    assert_eq!(status, 502, "{refused}");
    assert!(
        refused["reason"].as_str().unwrap().contains("API key"),
        "{refused}"
    );
    let messages = inbox.messages().await;
    let ours = messages.iter().find(|m| m["from_us"] == true).unwrap();
    assert_eq!(ours["is_failed"], true);
    assert!(inbox.sent().await.is_empty());
    let path = format!("/v1/instances/{}", inbox.id);
    let shown = super::within(
        30,
        "the partner's instance shows the key problem",
        || async {
            let (_, instance) =
                crate::support::json(app.get(&path, crate::support::SANDBOX_KEY).await).await;
            let errors = instance["errors"].as_array().cloned().unwrap_or_default();
            errors.into_iter().find(|e| e["code"] == 702)
        },
    )
    .await;
    assert_eq!(shown["parameters"]["channel_id"], "RevokedCH", "{shown}");
    assert_eq!(
        crate::support::json(app.get(&path, crate::support::SANDBOX_KEY).await)
            .await
            .1["status"],
        "ready"
    );
    app.stop().await;
}
