//! The activation e-mail through the same outbox: an SMTP server on a loopback port, or the
//! `.eml` outbox folder by default.

use crate::outbox::{attempts, retrying, status_is, Fixture};
use crate::receiver::closed_port;
use crate::smtp_sink::SmtpSink;
use crate::support::Backend;
use mail_parser::MessageParser;
use partner_api::store::events::EventKind;
use serde_json::{json, Value};

const URL: &str =
    "http://acme.inbox.localhost:8080/confirm_account?c=a0a08b0e-f79c-4ec7-bbd4-a1697502bff0";

const ADMIN: &str = "admin@example.com";

fn activation() -> Value {
    json!({"activation_url": URL, "subdomain": "acme"})
}

/// What the admin's mail client shows: subject, both parts, the sentence and the link.
fn assert_is_the_activation_email(raw: &str) {
    let message = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parsable message");
    assert_eq!(message.subject(), Some("WhatsApp Inbox Activation"));
    assert_eq!(
        message
            .to()
            .and_then(|to| to.first())
            .and_then(|a| a.address()),
        Some("admin@example.com")
    );
    assert_eq!(
        message
            .from()
            .and_then(|f| f.first())
            .and_then(|a| a.address()),
        Some("no-reply@inbox.localhost")
    );
    let text = message.body_text(0).expect("a text part");
    assert!(
        text.contains(&format!(
            "Click here to activate your inbox and set your password: {URL}"
        )),
        "{text}"
    );
    let html = message.body_html(0).expect("an HTML part");
    assert!(
        html.contains("Click here to activate your inbox and set your password:"),
        "{html}"
    );
    assert!(
        html.contains(&format!("<a href=\"{URL}\">Activate</a>")),
        "{html}"
    );
    assert_eq!(message.text_body.len() + message.html_body.len(), 2);
}

async fn the_activation_email_arrives_with_its_subject_parts_sentence_and_link(backend: Backend) {
    let sink = SmtpSink::start(None).await;
    let smtp = sink.url().parse().unwrap();
    let fx = Fixture::start(backend, |args| args.smtp_url = Some(smtp)).await;
    let id = fx
        .queue(EventKind::ActivationEmail, ADMIN, &activation())
        .await;
    let event = fx.wait_for(&id, status_is("delivered")).await;
    assert_eq!(
        (&event["type"], &event["target"]),
        (&json!("activation_email"), &json!(ADMIN))
    );
    let reply = attempts(&event)[0]["response_body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        reply.starts_with("250"),
        "the server's reply is logged: {reply}"
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_is_the_activation_email(&messages[0]);
    fx.stop().await;
}

async fn an_smtp_server_that_is_down_at_first_gets_the_email_once_it_is_up(backend: Backend) {
    let port = closed_port().await;
    let smtp = format!("smtp://127.0.0.1:{port}").parse().unwrap();
    let fx = Fixture::start(backend, |args| {
        retrying("0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2")(args);
        args.smtp_url = Some(smtp);
    })
    .await;
    let id = fx
        .queue(EventKind::ActivationEmail, ADMIN, &activation())
        .await;
    let event = fx.wait_for(&id, |e| attempts(e).len() >= 2).await;
    assert!(
        attempts(&event)[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("SMTP"),
        "{event}"
    );

    let sink = SmtpSink::start_at(port, None).await;
    fx.wait_for(&id, status_is("delivered")).await;
    assert_eq!(sink.messages().len(), 1);
    fx.stop().await;
}

async fn a_recipient_the_server_refuses_fails_the_email_at_once(backend: Backend) {
    let sink = SmtpSink::start(Some("550 5.1.1 No such user here")).await;
    let smtp = sink.url().parse().unwrap();
    let fx = Fixture::start(backend, |args| {
        retrying("0.05,0.05")(args);
        args.smtp_url = Some(smtp);
    })
    .await;
    let id = fx
        .queue(
            EventKind::ActivationEmail,
            "nobody@example.com",
            &activation(),
        )
        .await;
    let event = fx.wait_for(&id, status_is("failed")).await;
    assert_eq!(attempts(&event).len(), 1, "no retry after a 5xx");
    let error = attempts(&event)[0]["error"].as_str().unwrap().to_owned();
    assert!(error.contains("No such user"), "{error}");
    assert!(sink.messages().is_empty());
    fx.stop().await;
}

async fn without_an_smtp_server_the_email_is_written_to_the_outbox_folder(backend: Backend) {
    let fx = Fixture::start(backend, |_| {}).await;
    let id = fx
        .queue(EventKind::ActivationEmail, ADMIN, &activation())
        .await;
    let event = fx.wait_for(&id, status_is("delivered")).await;
    let outbox = fx.app.storage.data_dir.join("outbox");
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let name = files[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(attempts(&event)[0]["response_body"]
        .as_str()
        .unwrap()
        .contains(&name));
    assert_is_the_activation_email(&std::fs::read_to_string(&files[0]).unwrap());
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&outbox), mode(&files[0])), (0o700, 0o600));
    let data_dir = &fx.app.storage.data_dir;
    assert_eq!(mode(data_dir), 0o700, "the folder of every secret at rest");
    assert_eq!(mode(&data_dir.join("secret.key")), 0o600);
    if matches!(backend, Backend::Sqlite) {
        assert_eq!(mode(&data_dir.join("partner-api.db")), 0o600);
    }
    fx.stop().await;
}

crate::on_both_backends!(
    the_activation_email_arrives_with_its_subject_parts_sentence_and_link,
    an_smtp_server_that_is_down_at_first_gets_the_email_once_it_is_up,
    a_recipient_the_server_refuses_fails_the_email_at_once,
    without_an_smtp_server_the_email_is_written_to_the_outbox_folder,
);
