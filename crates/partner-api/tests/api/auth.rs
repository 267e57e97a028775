use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use serde_json::json;

async fn the_documented_sandbox_key_belongs_to_the_sandbox_partner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = json(app.get("/v1/partner_id", SANDBOX_KEY).await).await;
    assert_eq!((status, body), (200, json!({"partner_id": "sandbox"})));
    app.stop().await;
}

async fn each_key_names_its_own_partner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.new_partner("acme").await;
    let globex = app.new_partner("globex").await;
    assert!(
        acme.starts_with("pak_") && acme.len() >= 40,
        "recognisable prefix and enough randomness: {acme}"
    );
    assert_eq!(
        json(app.get("/v1/partner_id", &acme).await).await.1,
        json!({"partner_id": "acme"})
    );
    assert_eq!(
        json(app.get("/v1/partner_id", &globex).await).await.1,
        json!({"partner_id": "globex"})
    );
    app.stop().await;
}

async fn missing_unknown_or_malformed_credentials_get_401_with_a_bearer_challenge(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let url = app.url("/v1/partner_id");
    let requests = [
        app.client.get(&url),
        app.client
            .get(&url)
            .header("Authorization", "Bearer nope-not-a-key"),
        app.client.get(&url).header("Authorization", "Bearer"),
        app.client.get(&url).header("Authorization", SANDBOX_KEY),
        app.client
            .get(&url)
            .basic_auth("sandbox", Some(SANDBOX_KEY)),
        app.client
            .get(&url)
            .header("Authorization", format!("Bearer {SANDBOX_KEY}x")),
    ];
    for (i, request) in requests.into_iter().enumerate() {
        let response = request.send().await.unwrap();
        assert_eq!(response.headers()["www-authenticate"], "Bearer", "case {i}");
        assert_eq!(
            json(response).await,
            (401, json!({"detail": "Not authenticated"})),
            "case {i}"
        );
    }
    let create = app
        .client
        .post(app.url("/v1/instances"))
        .json(&json!({"channel_id": "abc"}))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), 401, "create needs a key too");
    app.stop().await;
}

async fn the_sandbox_key_stops_working_when_the_sandbox_is_switched_off(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/v1/partner_id", SANDBOX_KEY).await.status(), 200);
    app.restart_with(|args| args.no_sandbox = true).await;
    assert_eq!(app.get("/v1/partner_id", SANDBOX_KEY).await.status(), 401);
    app.restart_with(|args| args.no_sandbox = false).await;
    assert_eq!(
        app.get("/v1/partner_id", SANDBOX_KEY).await.status(),
        200,
        "and works again when it is back on"
    );
    app.stop().await;
}

async fn a_partner_over_its_rate_is_told_to_retry_later(backend: Backend) {
    let app = TestApp::spawn_with(backend, |args| {
        args.rate_limit = 1;
        args.rate_limit_burst = 3;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = app.get("/v1/partner_id", SANDBOX_KEY).await;
        if response.status() == 429 {
            assert!(
                response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
                    >= 1
            );
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert_eq!(statuses[4], 429);
    app.stop().await;
}

crate::on_both_backends!(
    the_documented_sandbox_key_belongs_to_the_sandbox_partner,
    each_key_names_its_own_partner,
    missing_unknown_or_malformed_credentials_get_401_with_a_bearer_challenge,
    the_sandbox_key_stops_working_when_the_sandbox_is_switched_off,
    a_partner_over_its_rate_is_told_to_retry_later,
);
