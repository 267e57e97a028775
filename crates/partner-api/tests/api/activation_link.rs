//! `POST /v1/instances/{id}/activation` (extension): a fresh link for an admin who never chose a
//! password. The old link stops working, the new one opens the password form, and with
//! `admin_email` the e-mail goes out again.

use crate::smtp_sink::SmtpSink;
use crate::support::{json, save_password_via, Backend, TestApp, SANDBOX_KEY};
use mail_parser::MessageParser;
use reqwest::Response;
use serde_json::{json, Value};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

/// The activation links of the e-mails that reached the sink, once `count` did.
async fn links_in_mail(sink: &SmtpSink, count: usize) -> Vec<String> {
    for _ in 0..200 {
        let messages = sink.messages();
        if messages.len() >= count {
            return messages
                .iter()
                .map(|raw| {
                    let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
                    let text = message.body_text(0).unwrap().into_owned();
                    let start = text.find("http://").expect("a link");
                    text[start..].split_whitespace().next().unwrap().to_owned()
                })
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{count} activation e-mails did not arrive");
}

/// The path and query of an activation URL, to request through the router.
fn path_of(url: &str) -> String {
    let after_scheme = url.trim_start_matches("http://");
    after_scheme[after_scheme.find('/').unwrap()..].to_owned()
}

async fn new_link(app: &TestApp, id: &str) -> (u16, Value) {
    let path = format!("/v1/instances/{id}/activation");
    json(app.post_json(&path, SANDBOX_KEY, &json!({})).await).await
}

async fn save_password(app: &TestApp, subdomain: &str, url: &str) -> Response {
    let port = app.router_addr().port();
    save_password_via(
        &format!("http://{}", app.router_addr()),
        &format!("{subdomain}.inbox.localhost:{port}"),
        url,
        PASSWORD,
    )
    .await
}

async fn a_fresh_link_replaces_the_old_one_and_is_mailed_again(backend: Backend) {
    let sink = SmtpSink::start(None).await;
    let smtp_url = sink.url();
    let app = TestApp::spawn_with(backend, |args| {
        args.smtp_url = Some(smtp_url.parse().unwrap())
    })
    .await;
    let created = app
        .create(json!({"subdomain": "relink", "channel_id": "RelinkCH",
            "admin_email": "owner@example.com", "generate_activation": true}))
        .await;
    let id = created["id"].as_str().unwrap();
    let old = created["activation_url"].as_str().unwrap().to_owned();
    app.wait_for(id, "ready").await;
    assert_eq!(app.via_router("relink", &path_of(&old)).await.status(), 200);

    let (status, answer) = new_link(&app, id).await;

    assert_eq!(status, 200, "{answer}");
    let fresh = answer["activation_url"].as_str().unwrap().to_owned();
    assert_ne!(fresh, old);
    assert_eq!(answer.as_object().unwrap().len(), 1, "{answer}");
    let old_page = app.via_router("relink", &path_of(&old)).await;
    assert_eq!(old_page.status(), 404, "the old link stops working");
    assert_eq!(
        app.via_router("relink", &path_of(&fresh)).await.status(),
        200
    );
    // Two deliveries, each on its own schedule: on a busy machine the second may arrive first.
    let mut mailed = links_in_mail(&sink, 2).await;
    mailed.sort();
    let mut both = [old.clone(), fresh.clone()];
    both.sort();
    assert_eq!(mailed, both, "the e-mail goes out again");
    let (_, instance) = json(app.get(&format!("/v1/instances/{id}"), SANDBOX_KEY).await).await;
    assert_eq!(instance["activation_url"], fresh.as_str());

    let mut latest = fresh;
    for _ in 0..3 {
        let (status, answer) = new_link(&app, id).await;
        assert_eq!(status, 200, "{answer}");
        latest = answer["activation_url"].as_str().unwrap().to_owned();
    }
    links_in_mail(&sink, 5).await;
    let flood = app
        .request(
            reqwest::Method::POST,
            &format!("/v1/instances/{id}/activation"),
            SANDBOX_KEY,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(flood.status(), 429, "a sixth e-mail within the hour waits");
    let retry_after: u64 = flood.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3000..=3600).contains(&retry_after), "{retry_after}");
    let (_, refused) = json(flood).await;
    assert_eq!(
        refused["detail"],
        "The admin was sent 5 activation e-mails in the last hour; ask again later"
    );
    assert_eq!(
        app.via_router("relink", &path_of(&latest)).await.status(),
        200,
        "the refused request changed nothing"
    );
    assert_eq!(sink.messages().len(), 5);

    let saved = save_password(&app, "relink", &latest).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(saved.headers()["location"], "/admin/?done=password-saved");
    app.stop().await;
}

async fn once_the_admin_has_a_password_no_link_can_set_it_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app
        .create(
            json!({"subdomain": "chosen", "channel_id": "ChosenCH", "generate_activation": true}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    app.wait_for(id, "ready").await;
    let (_, fresh) = new_link(&app, id).await;
    let fresh = fresh["activation_url"].as_str().unwrap();
    assert_eq!(save_password(&app, "chosen", fresh).await.status(), 303);

    let (status, refused) = new_link(&app, id).await;

    assert_eq!(status, 409, "{refused}");
    assert_eq!(
        refused["detail"],
        "The admin of this instance has already chosen a password; they sign in with it"
    );
    let page = app.via_router("chosen", &path_of(fresh)).await;
    assert_eq!(page.status(), 410, "the used link says so");
    app.stop().await;
}

async fn a_fresh_link_needs_a_ready_instance_of_ones_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = app.new_partner("other-partner").await;
    let created = app
        .create(json!({"subdomain": "notyet", "channel_id": "NotYetCH"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.wait_for(id, "ready").await;

    let path = format!("/v1/instances/{id}/activation");
    let (status, _) = json(app.post_json(&path, &other, &json!({})).await).await;
    assert_eq!(status, 404, "another partner's instance is not found");
    let (status, _) = new_link(&app, "0b7e1d2c-0000-4000-8000-000000000000").await;
    assert_eq!(status, 404);
    let unauthenticated = app
        .client
        .post(app.url(&path))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(unauthenticated, 401);

    let failed = app
        .create(json!({"d360_api_key": "sbx_not-a-real-key"}))
        .await;
    let failed = failed["id"].as_str().unwrap();
    app.wait_for(failed, "failed").await;
    let (status, answer) = new_link(&app, failed).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(
        answer["detail"],
        "The instance is failed; a new activation link can be issued once it is ready"
    );
    app.stop().await;
}

crate::on_both_backends!(
    a_fresh_link_replaces_the_old_one_and_is_mailed_again,
    a_fresh_link_needs_a_ready_instance_of_ones_own,
    once_the_admin_has_a_password_no_link_can_set_it_again,
);
