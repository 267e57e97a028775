//! `PATCH /v1/instances/{id}`: a new key repairs a failed instance, a new seat limit reaches the
//! running one, a refused change keeps what was, bad input is 422.

use super::create_as;
use crate::processes::inbox_pids;
use crate::support::{json, script, Backend, TestApp, SANDBOX_KEY};
use reqwest::Method;
use serde_json::json;

async fn a_702_instance_is_repaired_by_patching_a_valid_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = create_as(&app, SANDBOX_KEY, json!({"channel_id": "RepairCH", "d360_api_key": "sbx_revoked_or_wrong", "subdomain": "repair"})).await;
    app.wait_for(&id, "failed").await;
    let good = app.sandbox_d360_key("RepairCH").await;
    let path = format!("/v1/instances/{id}");
    let (status, patched) = json(
        app.request(Method::PATCH, &path, SANDBOX_KEY)
            .json(&json!({"d360_api_key": good}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, patched["status"].clone()),
        (202, json!("updating")),
        "{patched}"
    );
    let repaired = app.wait_for(&id, "ready").await;
    assert_eq!(repaired["errors"], json!([]));
    assert_eq!(repaired["d360_api_key_hint"], good[good.len() - 4..]);
    assert_eq!(
        app.via_router("repair", "/api/v1/status/health")
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn patching_seats_of_a_ready_instance_keeps_it_running(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = create_as(&app, SANDBOX_KEY, json!({"channel_id": "SeatsCH"})).await;
    app.wait_for(&id, "ready").await;
    let pid = inbox_pids(&id);
    let path = format!("/v1/instances/{id}");
    let response = app
        .request(Method::PATCH, &path, SANDBOX_KEY)
        .json(&json!({"max_number_of_seats": 12}))
        .send()
        .await
        .unwrap();
    let (status, accepted) = json(response).await;
    assert_eq!(
        (status, accepted["max_number_of_seats"].clone()),
        (202, json!(12)),
        "the 202 answer shows the accepted change: {accepted}"
    );
    let updated = app.wait_for(&id, "ready").await;
    assert_eq!(updated["max_number_of_seats"], 12);
    assert_eq!(
        inbox_pids(&id),
        pid,
        "applied to the running instance, no restart"
    );
    app.stop().await;
}

async fn patching_a_key_of_a_number_another_instance_holds_ends_in_701_and_keeps_the_old_key(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let holder = create_as(&app, SANDBOX_KEY, json!({"channel_id": "HolderCH"})).await;
    let movers_key = app.sandbox_d360_key("MoverCH").await;
    let mover = create_as(&app, SANDBOX_KEY, json!({"d360_api_key": movers_key})).await;
    app.wait_for(&holder, "ready").await;
    let before = app.wait_for(&mover, "ready").await;
    let holders_number_key = app.sandbox_d360_key("HolderCH").await;
    let path = format!("/v1/instances/{mover}");
    let response = app
        .request(Method::PATCH, &path, SANDBOX_KEY)
        .json(&json!({"d360_api_key": holders_number_key}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let after = app.wait_for_as(SANDBOX_KEY, &mover, "ready", 30.0).await;
    assert_eq!(after["status"], "ready", "a running instance keeps running");
    assert_eq!(after["errors"][0]["code"], 701);
    assert_eq!(
        after["errors"][0]["parameters"],
        json!({"channel_id": "HolderCH"}),
        "the channel holding the number"
    );
    assert_eq!(
        after["d360_api_key_hint"], before["d360_api_key_hint"],
        "the old key stays"
    );
    app.stop().await;
}

async fn patch_refuses_bad_input_and_instances_that_are_busy(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let slow = script(
        app.dir.path(),
        "slow-inbox",
        &format!(
            "sleep 2\nexec {} \"$@\"",
            crate::support::inbox_bin().display()
        ),
    );
    app.restart_with(|args| args.inbox_bin = Some(slow)).await;
    let id = create_as(&app, SANDBOX_KEY, json!({"channel_id": "BusyCH"})).await;
    let path = format!("/v1/instances/{id}");
    for body in [
        json!({}),
        json!({"max_number_of_seats": 0}),
        json!({"d360_api_key": 5}),
        json!([1]),
    ] {
        let response = app
            .request(Method::PATCH, &path, SANDBOX_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{body}");
    }
    let (status, busy) = json(
        app.request(Method::PATCH, &path, SANDBOX_KEY)
            .json(&json!({"max_number_of_seats": 3}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409, "{busy}");
    assert!(busy["detail"].as_str().unwrap().contains("deploying"));
    app.stop().await;
}

crate::on_both_backends!(
    a_702_instance_is_repaired_by_patching_a_valid_key,
    patching_seats_of_a_ready_instance_keeps_it_running,
    patching_a_key_of_a_number_another_instance_holds_ends_in_701_and_keeps_the_old_key,
    patch_refuses_bad_input_and_instances_that_are_busy,
);
