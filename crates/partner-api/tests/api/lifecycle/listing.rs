//! Listing and reading instances: pages newest first with filters, the instance object, and
//! 404 for every id a partner may not see.

use super::create_as;
use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

async fn list_pages_newest_first_with_filters_and_only_the_partners_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = app.new_partner("other").await;
    let mut mine = Vec::new();
    for i in 0..5 {
        mine.push(
            create_as(
                &app,
                SANDBOX_KEY,
                json!({"channel_id": format!("ListCH{i}")}),
            )
            .await,
        );
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let broken = create_as(&app, SANDBOX_KEY, json!({"channel_id": "no_such"})).await;
    let theirs = create_as(
        &app,
        &other,
        json!({"channel_id": "ListCH0", "subdomain": "theirs"}),
    )
    .await;
    app.wait_for(&broken, "failed").await;

    let (status, page) = json(app.get("/v1/instances?limit=2&offset=1", SANDBOX_KEY).await).await;
    assert_eq!(status, 200);
    assert_eq!(page["count"], 6);
    let ids: Vec<&str> = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [mine[4].as_str(), mine[3].as_str()],
        "newest first, after the offset"
    );

    let all = json(app.get("/v1/instances", SANDBOX_KEY).await).await.1;
    assert!(
        all["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != theirs),
        "another partner's instance never shows"
    );
    let failed = json(app.get("/v1/instances?status=failed", SANDBOX_KEY).await)
        .await
        .1;
    assert_eq!(
        (failed["count"].clone(), failed["results"][0]["id"].clone()),
        (json!(1), json!(broken))
    );
    let by_channel = json(
        app.get("/v1/instances?channel_id=ListCH0", SANDBOX_KEY)
            .await,
    )
    .await
    .1;
    assert_eq!(
        (
            by_channel["count"].clone(),
            by_channel["results"][0]["id"].clone()
        ),
        (json!(1), json!(mine[0]))
    );

    let (status, bad) = json(
        app.get(
            "/v1/instances?limit=500&offset=-1&status=sleeping",
            SANDBOX_KEY,
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let locs: Vec<String> = bad["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["loc"].to_string())
        .collect();
    assert_eq!(
        locs,
        [
            r#"["query","limit"]"#,
            r#"["query","offset"]"#,
            r#"["query","status"]"#
        ]
    );
    app.stop().await;
}

async fn the_instance_object_shows_state_but_never_the_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.sandbox_d360_key("ObjCH").await;
    let id = create_as(&app, SANDBOX_KEY, json!({"d360_api_key": key, "subdomain": "obj", "admin_email": "boss@example.com",
        "max_number_of_seats": 7, "configurator": {"user_name": "svc", "webhook_url": "http://127.0.0.1:9/x"}})).await;
    let instance = app.wait_for(&id, "ready").await;
    for field in [
        "id",
        "base_domain",
        "health_check",
        "channel_id",
        "partner_id",
        "subdomain",
        "status",
        "max_number_of_seats",
        "admin_email",
        "configurator_user_name",
        "created_at",
        "ready_at",
        "errors",
        "d360_api_key_hint",
    ] {
        assert!(instance.get(field).is_some(), "{field} in {instance}");
    }
    assert!(
        instance.get("activation_url").is_none(),
        "only with generate_activation"
    );
    assert_eq!(instance["max_number_of_seats"], 7);
    assert_eq!(instance["configurator_user_name"], "svc");
    assert_eq!(instance["admin_email"], "boss@example.com");
    assert!(!instance.to_string().contains(&key));
    app.stop().await;
}

async fn unknown_malformed_and_other_partners_ids_are_404_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = app.new_partner("other").await;
    let theirs = create_as(&app, &other, json!({"channel_id": "TheirCH"})).await;
    for id in [
        theirs.as_str(),
        "0123456789abcdef0123456789abcdef",
        "not-an-id",
        "../../etc",
    ] {
        let path = format!("/v1/instances/{id}");
        for request in [
            app.request(Method::GET, &path, SANDBOX_KEY),
            app.request(
                Method::GET,
                &format!("{path}?wait_for=ready&timeout=1"),
                SANDBOX_KEY,
            ),
            app.request(Method::PATCH, &path, SANDBOX_KEY)
                .json(&json!({"max_number_of_seats": 2})),
            app.request(Method::DELETE, &path, SANDBOX_KEY),
        ] {
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or_default();
            assert!(
                status == 404 && body == json!({"detail": "Instance not found"})
                    || id.contains('/'),
                "{id}: {status} {body}"
            );
        }
    }
    assert_eq!(
        json(app.get(&format!("/v1/instances/{theirs}"), &other).await)
            .await
            .0,
        200,
        "its owner sees it"
    );
    app.stop().await;
}

crate::on_both_backends!(
    list_pages_newest_first_with_filters_and_only_the_partners_own,
    the_instance_object_shows_state_but_never_the_key,
    unknown_malformed_and_other_partners_ids_are_404_everywhere,
);
