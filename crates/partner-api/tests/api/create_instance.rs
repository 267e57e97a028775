use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use partner_api::domain::{InstanceId, PartnerId};
use partner_api::store::instances;
use serde_json::{json, Value};

fn issue_locs(body: &Value) -> Vec<String> {
    body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["loc"].to_string())
        .collect()
}

async fn the_quick_start_example_answers_at_once_with_urls_built_from_the_configuration(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"subdomain": "mycompany-test", "channel_id": "ChAnElCH", "generate_activation": true});
    let (status, answer) = json(app.post_json("/v1/instances", SANDBOX_KEY, &body).await).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["id"].as_str().unwrap();
    assert!(
        InstanceId::parse(id).is_some(),
        "32 lower-case hex digits: {id}"
    );
    let port = app.router_addr().port();
    assert_eq!(answer["base_domain"], "mycompany-test.inbox.localhost");
    assert_eq!(
        answer["health_check"],
        format!("http://mycompany-test.inbox.localhost:{port}/api/v1/status/health")
    );
    assert_eq!(answer["channel_id"], "ChAnElCH");
    assert_eq!(answer["partner_id"], "sandbox");
    let activation = answer["activation_url"].as_str().unwrap();
    let prefix = format!("http://mycompany-test.inbox.localhost:{port}/confirm_account?c=");
    let code = activation
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{activation}"));
    assert!(
        uuid::Uuid::parse_str(code).is_ok(),
        "a UUID code like the documentation's: {code}"
    );
    assert_eq!(answer.as_object().unwrap().len(), 6);

    let stored = instances::find(
        app.db(),
        &PartnerId::parse("sandbox").unwrap(),
        &InstanceId::parse(id).unwrap(),
    )
    .await
    .unwrap()
    .expect("stored");
    assert_eq!(stored.subdomain.as_str(), "mycompany-test");
    assert_eq!(stored.max_number_of_seats, 5);
    app.stop().await;
}

async fn the_configurator_and_email_examples_answer_without_an_activation_url(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for body in [
        json!({"subdomain": "cfg-example", "channel_id": "ChAnElCH", "configurator": {"user_name": "service_account", "webhook_url": "https://example.com/webhook"}}),
        json!({"subdomain": "mail-example", "channel_id": "OtHeRCH", "admin_email": "example@example.com"}),
    ] {
        let (status, answer) = json(app.post_json("/v1/instances", SANDBOX_KEY, &body).await).await;
        assert_eq!(status, 200, "{answer}");
        assert!(answer.get("activation_url").is_none(), "{answer}");
    }
    app.stop().await;
}

async fn a_blank_subdomain_uses_the_instance_id_and_case_is_ignored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, answer) = json(
        app.post_json(
            "/v1/instances",
            SANDBOX_KEY,
            &json!({"channel_id": "abc123", "subdomain": ""}),
        )
        .await,
    )
    .await;
    assert_eq!(
        answer["base_domain"],
        format!("{}.inbox.localhost", answer["id"].as_str().unwrap())
    );
    let (_, answer) = json(
        app.post_json(
            "/v1/instances",
            SANDBOX_KEY,
            &json!({"channel_id": "abc124", "subdomain": "MyShop"}),
        )
        .await,
    )
    .await;
    assert_eq!(answer["base_domain"], "myshop.inbox.localhost");
    app.stop().await;
}

async fn a_taken_subdomain_answers_the_documented_payload_across_partners_and_case(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let other = app.new_partner("other").await;
    let first = app
        .post_json(
            "/v1/instances",
            SANDBOX_KEY,
            &json!({"channel_id": "abc", "subdomain": "mysubdomain"}),
        )
        .await;
    assert_eq!(first.status(), 200);
    for (key, subdomain) in [
        (SANDBOX_KEY, "mysubdomain"),
        (other.as_str(), "MySubdomain"),
    ] {
        let (status, body) = json(
            app.post_json(
                "/v1/instances",
                key,
                &json!({"channel_id": "xyz", "subdomain": subdomain}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(
            body,
            json!({"detail": [{"loc": ["subdomain"], "msg": "subdomain already in use: mysubdomain", "type": "string"}]})
        );
    }
    app.stop().await;
}

async fn every_invalid_field_is_listed_in_one_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({
        "subdomain": "api", "admin_email": "not-an-email", "generate_activation": "perhaps",
        "max_number_of_seats": 0,
        "configurator": {"user_name": "", "webhook_url": "ftp://x", "webhook_headers": {"Content-Type": "text/plain", "X-Evil": "a\r\nb"}}
    });
    let (status, answer) = json(app.post_json("/v1/instances", SANDBOX_KEY, &body).await).await;
    assert_eq!(status, 422);
    let locs = issue_locs(&answer);
    for expected in [
        r#"["body","subdomain"]"#,
        r#"["body","admin_email"]"#,
        r#"["body","generate_activation"]"#,
        r#"["body","max_number_of_seats"]"#,
        r#"["body","configurator","user_name"]"#,
        r#"["body","configurator","webhook_url"]"#,
        r#"["body","configurator","webhook_headers","Content-Type"]"#,
        r#"["body","configurator","webhook_headers","X-Evil"]"#,
        r#"["body"]"#,
    ] {
        assert!(
            locs.contains(&expected.to_owned()),
            "{expected} in {locs:?}"
        );
    }
    for issue in answer["detail"].as_array().unwrap() {
        assert!(
            issue["msg"].as_str().is_some_and(|m| !m.is_empty()) && issue["type"].is_string(),
            "{issue}"
        );
    }
    app.stop().await;
}

async fn each_rule_of_the_contract_is_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = [
        (json!({"subdomain": "x"}), r#"["body"]"#),
        (
            json!({"channel_id": "abc", "subdomain": "1abc"}),
            r#"["body","subdomain"]"#,
        ),
        (
            json!({"channel_id": "abc", "subdomain": "abc-"}),
            r#"["body","subdomain"]"#,
        ),
        (
            json!({"channel_id": "abc", "subdomain": "a".repeat(64)}),
            r#"["body","subdomain"]"#,
        ),
        (
            json!({"channel_id": "abc", "subdomain": "www"}),
            r#"["body","subdomain"]"#,
        ),
        (
            json!({"channel_id": "abc", "subdomain": 7}),
            r#"["body","subdomain"]"#,
        ),
        (
            json!({"channel_id": "abc", "admin_email": "a@localhost"}),
            r#"["body","admin_email"]"#,
        ),
        (
            json!({"channel_id": "abc", "max_number_of_seats": 1001}),
            r#"["body","max_number_of_seats"]"#,
        ),
        (
            json!({"channel_id": "abc", "max_number_of_seats": 2.5}),
            r#"["body","max_number_of_seats"]"#,
        ),
        (
            json!({"channel_id": "abc", "configurator": {"user_name": "svc"}}),
            r#"["body","configurator","webhook_url"]"#,
        ),
        (
            json!({"channel_id": "abc", "configurator": {"user_name": "svc", "webhook_url": "/relative"}}),
            r#"["body","configurator","webhook_url"]"#,
        ),
        (
            json!({"channel_id": "abc", "configurator": {"user_name": "svc", "webhook_url": "http://169.254.169.254/"}}),
            r#"["body","configurator","webhook_url"]"#,
        ),
        (
            json!({"channel_id": "abc", "configurator": {"user_name": "svc", "webhook_url": "https://e.com", "webhook_headers": ["a"]}}),
            r#"["body","configurator","webhook_headers"]"#,
        ),
        (
            json!({"channel_id": "abc", "configurator": "svc"}),
            r#"["body","configurator"]"#,
        ),
        (json!({"channel_id": "a b"}), r#"["body","channel_id"]"#),
    ];
    for (body, loc) in cases {
        let (status, answer) = json(app.post_json("/v1/instances", SANDBOX_KEY, &body).await).await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert_eq!(issue_locs(&answer), vec![loc.to_owned()], "{body}");
    }
    let lax = json!({"d360_api_key": "k3y", "max_number_of_seats": "7", "generate_activation": "true", "extra": {"ignored": true}});
    assert_eq!(
        app.post_json("/v1/instances", SANDBOX_KEY, &lax)
            .await
            .status(),
        200,
        "lax scalars and unknown fields are accepted"
    );
    app.stop().await;
}

/// The instance names its admin by `admin_email` (or `admin`) and its configurator by
/// `user_name`: what it could not start with is a 422 at once, not a 704 later.
async fn accounts_the_instance_could_not_make_are_refused_at_create_and_the_rest_run(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let configurator =
        |user_name: &str| json!({"user_name": user_name, "webhook_url": "http://127.0.0.1:9/hook"});
    let cases = [
        (
            json!({"admin_email": "o'brien@example.com"}),
            r#"["body","admin_email"]"#,
        ),
        (
            json!({"admin_email": "\"ana lopez\"@example.com"}),
            r#"["body","admin_email"]"#,
        ),
        (
            json!({"admin_email": format!("ana@{}.{}.{}.example.com", "b".repeat(60), "c".repeat(60), "d".repeat(20))}),
            r#"["body","admin_email"]"#,
        ),
        (
            json!({"configurator": configurator("Admin")}),
            r#"["body","configurator","user_name"]"#,
        ),
        (
            json!({"admin_email": "Ana@Example.com", "configurator": configurator("ana@EXAMPLE.com")}),
            r#"["body","configurator","user_name"]"#,
        ),
    ];
    for (mut body, loc) in cases {
        body["channel_id"] = json!("NamesCH");
        let (status, answer) = json(app.post_json("/v1/instances", SANDBOX_KEY, &body).await).await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert_eq!(issue_locs(&answer), vec![loc.to_owned()], "{body}");
        let msg = answer["detail"][0]["msg"].as_str().unwrap();
        assert!(msg.contains("user name"), "says why: {msg}");
    }
    let accepted = json!({
        "channel_id": "NamesCH",
        "admin_email": "First.Last+inbox@Example.com",
        "configurator": configurator("admin"),
    });
    let (status, created) =
        json(app.post_json("/v1/instances", SANDBOX_KEY, &accepted).await).await;
    assert_eq!(status, 200, "{created}");
    app.wait_for(created["id"].as_str().unwrap(), "ready").await;
    app.stop().await;
}

async fn bodies_that_are_not_a_json_object_get_422_and_oversized_ones_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let post = |body: Vec<u8>, content_type: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/v1/instances"))
            .bearer_auth(SANDBOX_KEY)
            .body(body);
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        request.send()
    };
    for (body, ct, kind) in [
        (
            b"{\"channel_id\": ".to_vec(),
            Some("application/json"),
            "json_invalid",
        ),
        (
            b"not json".to_vec(),
            Some("application/json"),
            "json_invalid",
        ),
        (
            b"[]".to_vec(),
            Some("application/json"),
            "model_attributes_type",
        ),
        (
            b"\"abc\"".to_vec(),
            Some("application/json"),
            "model_attributes_type",
        ),
        (b"{\"channel_id\": \"abc\"}".to_vec(), None, "content_type"),
        (
            b"{\"channel_id\": \"abc\"}".to_vec(),
            Some("text/plain"),
            "content_type",
        ),
        (
            b"channel_id=abc".to_vec(),
            Some("application/x-www-form-urlencoded"),
            "content_type",
        ),
    ] {
        let (status, answer) = json(post(body.clone(), ct).await.unwrap()).await;
        assert_eq!(status, 422, "{:?} {ct:?}", String::from_utf8_lossy(&body));
        assert_eq!(answer["detail"][0]["type"], kind, "{answer}");
    }
    let big =
        serde_json::to_vec(&json!({"channel_id": "abc", "pad": "x".repeat(70 * 1024)})).unwrap();
    let response = post(big, Some("application/json")).await.unwrap();
    assert_eq!(response.status(), 413);
    app.stop().await;
}

async fn concurrent_creates_for_one_subdomain_let_exactly_one_through(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bodies: Vec<Value> = (0..12)
        .map(|i| json!({"channel_id": format!("chan{i}"), "subdomain": "contested"}))
        .collect();
    let attempts = bodies
        .iter()
        .map(|body| app.post_json("/v1/instances", SANDBOX_KEY, body));
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        11,
        "{statuses:?}"
    );
    app.stop().await;
}

async fn the_answer_lists_its_fields_in_the_documented_order_also_when_replayed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body =
        json!({"subdomain": "ordered", "channel_id": "OrderCH", "generate_activation": true});
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/v1/instances"))
            .bearer_auth(SANDBOX_KEY)
            .header("Idempotency-Key", "ordered-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        let at = |field: &str| {
            text.find(&format!("\"{field}\":"))
                .unwrap_or_else(|| panic!("{field} in {text}"))
        };
        let order = [
            "id",
            "base_domain",
            "health_check",
            "channel_id",
            "partner_id",
            "activation_url",
        ]
        .map(at);
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    }
    app.stop().await;
}

crate::on_both_backends!(
    the_answer_lists_its_fields_in_the_documented_order_also_when_replayed,
    the_quick_start_example_answers_at_once_with_urls_built_from_the_configuration,
    the_configurator_and_email_examples_answer_without_an_activation_url,
    a_blank_subdomain_uses_the_instance_id_and_case_is_ignored,
    a_taken_subdomain_answers_the_documented_payload_across_partners_and_case,
    every_invalid_field_is_listed_in_one_answer,
    each_rule_of_the_contract_is_enforced,
    accounts_the_instance_could_not_make_are_refused_at_create_and_the_rest_run,
    bodies_that_are_not_a_json_object_get_422_and_oversized_ones_413,
    concurrent_creates_for_one_subdomain_let_exactly_one_through,
);
