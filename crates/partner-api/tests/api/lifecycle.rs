//! Issue 4: list, get and wait, update, delete, idempotent create.

mod state_machine;

use crate::processes::{eventually, inbox_pids};
use crate::support::{json, script, Backend, TestApp, SANDBOX_KEY};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn create_as(app: &TestApp, key: &str, body: Value) -> String {
    let (status, answer) = json(app.post_json("/v1/instances", key, &body).await).await;
    assert_eq!(status, 200, "{answer}");
    answer["id"].as_str().unwrap().to_owned()
}

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

async fn wait_for_answers_at_once_when_reached_and_when_the_state_changes(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let slow = script(
        app.dir.path(),
        "slow-inbox",
        &format!(
            "sleep 1\nexec {} \"$@\"",
            crate::support::inbox_bin().display()
        ),
    );
    app.restart_with(|args| args.inbox_bin = Some(slow)).await;
    let id = create_as(&app, SANDBOX_KEY, json!({"channel_id": "WaitCH"})).await;
    let started = Instant::now();
    let ready = app.wait_for_as(SANDBOX_KEY, &id, "ready", 30.0).await;
    assert_eq!(
        ready["status"], "ready",
        "the wait ends when the instance becomes ready"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it really waited"
    );

    let started = Instant::now();
    assert_eq!(
        app.wait_for_as(SANDBOX_KEY, &id, "ready", 30.0).await["status"],
        "ready"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "already reached: at once"
    );

    let started = Instant::now();
    let timed_out = app.wait_for_as(SANDBOX_KEY, &id, "deleted", 0.5).await;
    assert_eq!(
        timed_out["status"], "ready",
        "when the time runs out the answer is the current object"
    );
    assert!(started.elapsed() >= Duration::from_millis(450));

    let (status, body) = json(
        app.get(
            &format!("/v1/instances/{id}?wait_for=ready&timeout=61"),
            SANDBOX_KEY,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["detail"][0]["loc"].clone()),
        (422, json!(["query", "timeout"]))
    );
    app.stop().await;
}

async fn a_wait_for_ready_ends_when_the_instance_is_deleted_meanwhile(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let slow = script(
        app.dir.path(),
        "slow-inbox",
        &format!(
            "sleep 3\nexec {} \"$@\"",
            crate::support::inbox_bin().display()
        ),
    );
    app.restart_with(|args| args.inbox_bin = Some(slow)).await;
    let id = create_as(&app, SANDBOX_KEY, json!({"channel_id": "GoneCH"})).await;
    let (waited, deleted) = tokio::join!(app.wait_for_as(SANDBOX_KEY, &id, "ready", 30.0), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        app.request(Method::DELETE, &format!("/v1/instances/{id}"), SANDBOX_KEY)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(deleted, 202);
    assert_eq!(waited["status"], "deleted", "{waited}");
    assert!(waited["deleted_at"].is_string());
    assert!(
        eventually(10, || inbox_pids(&id).is_empty()).await,
        "the deployment stopped cleanly, nothing runs"
    );
    app.stop().await;
}

async fn delete_frees_the_subdomain_and_number_at_once_and_twice_is_fine(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = create_as(
        &app,
        SANDBOX_KEY,
        json!({"channel_id": "ReuseCH", "subdomain": "reuse"}),
    )
    .await;
    app.wait_for(&id, "ready").await;
    let instance_dir = app.storage.data_dir.join("instances").join(&id);
    assert!(instance_dir.exists());
    let path = format!("/v1/instances/{id}");
    let (status, first) = json(
        app.request(Method::DELETE, &path, SANDBOX_KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, first["status"].clone()), (202, json!("deleting")));
    let again = create_as(
        &app,
        SANDBOX_KEY,
        json!({"channel_id": "ReuseCH", "subdomain": "reuse"}),
    )
    .await;

    let deleted = app.wait_for(&id, "deleted").await;
    assert!(deleted["deleted_at"].is_string());
    assert!(!instance_dir.exists(), "its data is gone");
    assert!(inbox_pids(&id).is_empty());
    let (status, twice) = json(
        app.request(Method::DELETE, &path, SANDBOX_KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, twice["status"].clone()), (202, json!("deleted")));

    app.wait_for(&again, "ready").await;
    assert_eq!(
        app.via_router("reuse", "/api/v1/status/health")
            .await
            .json::<Value>()
            .await
            .unwrap()["instance_id"],
        again
    );
    let listed = json(app.get("/v1/instances?status=deleted", SANDBOX_KEY).await)
        .await
        .1;
    assert_eq!(
        listed["results"][0]["id"], id,
        "deleted instances stay in the list"
    );
    app.stop().await;
}

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

async fn an_idempotency_key_makes_a_retried_create_return_the_first_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = app.new_partner("other").await;
    let body = json!({"channel_id": "IdemCH", "subdomain": "idem", "generate_activation": true});
    let send = |key: &str, body: &Value| {
        app.request(Method::POST, "/v1/instances", key)
            .header("Idempotency-Key", "order-42")
            .json(body)
            .send()
    };
    let (first, second) = tokio::join!(send(SANDBOX_KEY, &body), send(SANDBOX_KEY, &body));
    let (first, second) = (first.unwrap(), second.unwrap());
    let statuses = [first.status().as_u16(), second.status().as_u16()];
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [200, 409].contains(s)),
        "{statuses:?}"
    );
    let (status, replay) = json(send(SANDBOX_KEY, &body).await.unwrap()).await;
    assert_eq!(status, 200);
    let winner = if first.status() == 200 { first } else { second };
    assert_eq!(
        winner.json::<Value>().await.unwrap(),
        replay,
        "the first answer, with its activation URL"
    );
    assert_eq!(
        json(app.get("/v1/instances", SANDBOX_KEY).await).await.1["count"],
        1,
        "one instance"
    );

    let (status, mismatch) = json(
        send(SANDBOX_KEY, &json!({"channel_id": "IdemCH2"}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, mismatch["detail"][0]["loc"].clone()),
        (422, json!(["header", "idempotency-key"]))
    );
    let (status, theirs) = json(
        send(&other, &json!({"channel_id": "IdemCH3"}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        status, 200,
        "another partner's key of the same name is its own: {theirs}"
    );
    app.stop().await;
}

crate::on_both_backends!(
    list_pages_newest_first_with_filters_and_only_the_partners_own,
    the_instance_object_shows_state_but_never_the_key,
    wait_for_answers_at_once_when_reached_and_when_the_state_changes,
    a_wait_for_ready_ends_when_the_instance_is_deleted_meanwhile,
    delete_frees_the_subdomain_and_number_at_once_and_twice_is_fine,
    a_702_instance_is_repaired_by_patching_a_valid_key,
    patching_seats_of_a_ready_instance_keeps_it_running,
    patching_a_key_of_a_number_another_instance_holds_ends_in_701_and_keeps_the_old_key,
    patch_refuses_bad_input_and_instances_that_are_busy,
    unknown_malformed_and_other_partners_ids_are_404_everywhere,
    an_idempotency_key_makes_a_retried_create_return_the_first_answer,
);
