//! The client address the instance sees through the router: a client's own `X-Forwarded-For` is
//! never believed, a trusted front proxy's is.

use crate::support::{Backend, TestApp};
use serde_json::json;

/// A sign-in with a wrong password through the router, with `forwarded_for` as the client wrote it.
async fn wrong_sign_in(app: &TestApp, subdomain: &str, username: &str, forwarded_for: &str) -> u16 {
    let port = app.router_addr().port();
    reqwest::Client::new()
        .post(format!("http://{}/api/v1/auth/token/", app.router_addr()))
        .header("Host", format!("{subdomain}.inbox.localhost:{port}"))
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({"username": username, "password": "wrong password"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn ready(app: &TestApp, subdomain: &str, channel: &str) {
    let body = json!({"subdomain": subdomain, "channel_id": channel, "generate_activation": true});
    let created = app.create(body).await;
    app.wait_for(created["id"].as_str().unwrap(), "ready").await;
}

#[tokio::test]
async fn a_forged_x_forwarded_for_does_not_spread_one_clients_failures_over_many_addresses() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ready(&app, "forged", "ForgedCH").await;

    for i in 0..20 {
        let status = wrong_sign_in(
            &app,
            "forged",
            &format!("guess{i}"),
            &format!("203.0.113.{i}"),
        )
        .await;
        assert_eq!(status, 400);
    }

    // Every guess was counted on the client's own address, whatever it claimed.
    assert_eq!(
        wrong_sign_in(&app, "forged", "other", "198.51.100.1").await,
        429
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_address_failing_does_not_stop_the_others() {
    let app = TestApp::spawn_with(Backend::Sqlite, |args| {
        args.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    ready(&app, "proxied", "ProxiedCH").await;

    for i in 0..20 {
        let status = wrong_sign_in(&app, "proxied", &format!("guess{i}"), "203.0.113.7").await;
        assert_eq!(status, 400);
    }

    let forged = wrong_sign_in(&app, "proxied", "ana", "198.51.100.1, 203.0.113.7").await;
    let another_client = wrong_sign_in(&app, "proxied", "ana", "198.51.100.1").await;
    assert_eq!(forged, 429, "the entry the client wrote is not believed");
    assert_eq!(another_client, 400, "another client is still heard");
}
