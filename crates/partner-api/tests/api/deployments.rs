//! Create Instance really deploys: 360Dialog (emulated), the process driver, the router.

use crate::processes::{eventually, inbox_pids, kill};
use crate::support::{json, script, Backend, TestApp, SANDBOX_KEY};
use serde_json::{json, Value};

async fn the_quick_start_instance_becomes_ready_and_answers_through_the_router(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app.create(json!({"subdomain": "mycompany-test", "channel_id": "ChAnElCH", "generate_activation": true})).await;
    let id = created["id"].as_str().unwrap();
    let ready = app.wait_for(id, "ready").await;
    assert_eq!(ready["errors"], json!([]));
    assert!(ready["ready_at"].is_string());
    assert_eq!(
        ready["d360_api_key_hint"].as_str().unwrap().len(),
        4,
        "a key was generated for the channel"
    );
    assert_eq!(ready["activation_url"], created["activation_url"]);

    let health = app
        .via_router("mycompany-test", "/api/v1/status/health")
        .await;
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap()["instance_id"],
        id
    );
    assert_eq!(inbox_pids(id).len(), 1, "one process serves the instance");
    app.stop().await;
    assert!(
        eventually(5, || inbox_pids(id).is_empty()).await,
        "stopping the service stops its instances"
    );
}

async fn the_router_answers_unknown_hosts_with_404_and_instances_in_preparation_with_503(
    backend: Backend,
) {
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
    let unknown = app.via_router("nobody-here", "/").await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains("No inbox here"));

    let created = app
        .create(json!({"subdomain": "preparing", "channel_id": "prep1"}))
        .await;
    let page = app.via_router("preparing", "/confirm_account?c=x").await;
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["retry-after"], "3");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("being prepared") && html.contains(r#"http-equiv="refresh""#),
        "{html}"
    );
    let api = app.via_router("preparing", "/api/v1/status/health").await;
    assert_eq!(api.status(), 503);
    assert_eq!(
        api.json::<serde_json::Value>().await.unwrap()["status"],
        "deploying"
    );

    app.wait_for(created["id"].as_str().unwrap(), "ready").await;
    assert_eq!(
        app.via_router("preparing", "/api/v1/status/health")
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn a_given_key_deploys_on_its_own_number(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.sandbox_d360_key("OwnKey1").await;
    let created = app.create(json!({"d360_api_key": key})).await;
    let ready = app.wait_for(created["id"].as_str().unwrap(), "ready").await;
    assert_eq!(ready["d360_api_key_hint"], key[key.len() - 4..]);
    assert!(
        serde_json::to_string(&ready).unwrap().find(&key).is_none(),
        "the key itself is never returned"
    );
    app.stop().await;
}

async fn an_unknown_channel_fails_with_703(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app.create(json!({"channel_id": "no_such-channel"})).await;
    let failed = app
        .wait_for(created["id"].as_str().unwrap(), "failed")
        .await;
    assert_eq!(failed["errors"][0]["code"], 703);
    assert_eq!(failed["errors"][0]["title"], "Channel not available");
    assert_eq!(
        failed["errors"][0]["parameters"],
        json!({"channel_id": "no_such-channel"})
    );
    app.stop().await;
}

async fn an_invalid_key_and_a_key_of_another_channel_fail_with_702(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let invalid = app
        .create(json!({"d360_api_key": "sbx_not-a-real-key"}))
        .await;
    let failed = app
        .wait_for(invalid["id"].as_str().unwrap(), "failed")
        .await;
    assert_eq!(failed["errors"][0]["code"], 702);
    assert_eq!(failed["errors"][0]["title"], "Invalid 360Dialog API Key");

    let other_channels_key = app.sandbox_d360_key("ChannelA1").await;
    let mismatch = app
        .create(json!({"channel_id": "ChannelB1", "d360_api_key": other_channels_key}))
        .await;
    let failed = app
        .wait_for(mismatch["id"].as_str().unwrap(), "failed")
        .await;
    assert_eq!(failed["errors"][0]["code"], 702);
    assert_eq!(
        failed["errors"][0]["parameters"],
        json!({"channel_id": "ChannelB1"})
    );
    app.stop().await;
}

async fn a_second_instance_for_a_deployed_number_fails_with_701_and_leaves_the_first_alone(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let first = app.create(json!({"channel_id": "TakenCH"})).await;
    let first_id = first["id"].as_str().unwrap();
    let first_ready = app.wait_for(first_id, "ready").await;
    let second = app.create(json!({"channel_id": "TakenCH"})).await;
    let failed = app.wait_for(second["id"].as_str().unwrap(), "failed").await;
    assert_eq!(
        failed["errors"][0],
        json!({"code": 701, "title": "Number already deployed",
               "details": "The business phone number of channel ID TakenCH already has an inbox instance deployed.",
               "parameters": {"channel_id": "TakenCH"}})
    );
    let first_now = json(
        app.get(&format!("/v1/instances/{first_id}"), SANDBOX_KEY)
            .await,
    )
    .await
    .1;
    assert_eq!(first_now["status"], "ready");
    assert_eq!(
        first_now["d360_api_key_hint"], first_ready["d360_api_key_hint"],
        "no new key was generated for the refused instance"
    );
    app.stop().await;
}

async fn two_creates_for_one_channel_at_the_same_moment_end_one_ready_one_701(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (a, b) = tokio::join!(
        app.create(json!({"channel_id": "RaceCH"})),
        app.create(json!({"channel_id": "RaceCH"}))
    );
    let (a, b) = tokio::join!(
        app.wait_for_as(SANDBOX_KEY, a["id"].as_str().unwrap(), "ready", 30.0),
        app.wait_for_as(SANDBOX_KEY, b["id"].as_str().unwrap(), "ready", 30.0)
    );
    let mut statuses = [a["status"].as_str().unwrap(), b["status"].as_str().unwrap()];
    statuses.sort();
    assert_eq!(statuses, ["failed", "ready"]);
    let failed = if a["status"] == "failed" { &a } else { &b };
    assert_eq!(failed["errors"][0]["code"], 701);
    app.stop().await;
}

async fn an_inbox_that_exits_at_start_fails_with_704_after_its_retries(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let broken = script(
        dir.path(),
        "broken-inbox",
        "echo 'cannot start' >&2; exit 3",
    );
    let app = TestApp::spawn_with(backend, |args| {
        args.inbox_bin = Some(broken);
        args.job_max_attempts = 3;
    })
    .await;
    let created = app.create(json!({"channel_id": "BrokenCH"})).await;
    let failed = app
        .wait_for(created["id"].as_str().unwrap(), "failed")
        .await;
    let error = &failed["errors"][0];
    assert_eq!(error["code"], 704);
    assert_eq!(error["parameters"], json!({"instance_id": created["id"]}));
    assert!(
        error["details"]
            .as_str()
            .unwrap()
            .contains("after 3 attempts"),
        "{error}"
    );
    let details = error["details"].as_str().unwrap();
    for internal in ["cannot start", dir.path().to_str().unwrap(), "exit"] {
        assert!(!details.contains(internal), "{details}");
    }
    app.stop().await;
}

async fn an_instance_that_never_becomes_healthy_fails_with_704_and_is_stopped(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mute = script(
        dir.path(),
        "mute-inbox",
        "echo 'listening on 127.0.0.1:9'; exec sleep 600",
    );
    let app = TestApp::spawn_with(backend, |args| {
        args.inbox_bin = Some(mute);
        args.instance_health_timeout_seconds = 1;
    })
    .await;
    let created = app.create(json!({"channel_id": "MuteCH"})).await;
    let failed = app
        .wait_for(created["id"].as_str().unwrap(), "failed")
        .await;
    assert_eq!(failed["errors"][0]["code"], 704);
    assert!(failed["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("did not become healthy within 1 s"));
    app.stop().await;
}

async fn an_instance_process_killed_from_outside_is_started_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app
        .create(json!({"subdomain": "phoenix", "channel_id": "PhoenixCH"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.wait_for(id, "ready").await;
    let pids = inbox_pids(id);
    assert_eq!(pids.len(), 1);
    kill(pids[0], "-KILL");
    let mut healthy_again = false;
    for _ in 0..100 {
        let now = inbox_pids(id);
        if now.len() == 1
            && now[0] != pids[0]
            && app
                .via_router("phoenix", "/api/v1/status/health")
                .await
                .status()
                == 200
        {
            healthy_again = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(healthy_again, "the reconciler restarted the instance");
    let instance = json(app.get(&format!("/v1/instances/{id}"), SANDBOX_KEY).await)
        .await
        .1;
    assert_eq!(instance["status"], "ready");
    app.stop().await;
}

/// Records `endpoint` as where the instance runs, as a stale record would.
async fn record_endpoint(app: &TestApp, id: &str, endpoint: &str) {
    partner_api::store::deployments::set_endpoint(
        app.db(),
        &partner_api::domain::InstanceId::parse(id).unwrap(),
        Some(endpoint),
    )
    .await
    .unwrap();
}

async fn a_stale_route_to_another_instances_port_never_reaches_that_instance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app
        .create(json!({"subdomain": "tenant-a", "channel_id": "TenantA"}))
        .await;
    let b = app
        .create(json!({"subdomain": "tenant-b", "channel_id": "TenantB"}))
        .await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    app.wait_for(a_id, "ready").await;
    app.wait_for(b_id, "ready").await;
    // As after a restart that handed A's old port to B: the database still names it for A.
    let b_endpoint: String = sqlx::query_scalar("SELECT endpoint FROM instances WHERE id = $1")
        .bind(b_id)
        .fetch_one(app.db().pool())
        .await
        .unwrap();
    record_endpoint(&app, a_id, &b_endpoint).await;

    let mut recovered = false;
    for _ in 0..100 {
        let response = app.via_router("tenant-a", "/api/v1/status/health").await;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        assert_ne!(
            body["instance_id"], b_id,
            "tenant A's address never shows tenant B's inbox"
        );
        if status == 200 && body["instance_id"] == a_id {
            recovered = true;
            break;
        }
        assert_eq!(status, 502, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        recovered,
        "the reconciler records A's real endpoint and the router follows"
    );
    app.stop().await;
}

/// What a Swarm node that has just gone away looks like to the router, before anything says so:
/// an endpoint nothing answers at. A `503` to try again soon, never a `502`.
async fn an_instance_nothing_answers_for_is_a_503_to_try_again_soon(backend: Backend) {
    let app = TestApp::spawn_with(backend, |args| {
        // Left alone, the reconciler would record the real endpoint again.
        args.reconcile_interval_seconds = 3600;
    })
    .await;
    let created = app
        .create(json!({"subdomain": "faraway", "channel_id": "FarawayCH"}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.wait_for(id, "ready").await;
    let nowhere = format!("127.0.0.1:{}", crate::receiver::closed_port().await);
    record_endpoint(&app, id, &nowhere).await;

    // The router follows the change within its route cache's lifetime (2 s).
    let mut answer = app.via_router("faraway", "/api/v1/status/health").await;
    for _ in 0..60 {
        if answer.status() != 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        answer = app.via_router("faraway", "/api/v1/status/health").await;
    }
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.headers()["retry-after"], "5");
    let body: Value = answer.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{body}"
    );
    let page = app.via_router("faraway", "/").await;
    assert_eq!(page.status(), 503);
    let page = page.text().await.unwrap();
    assert!(page.contains("Inbox unreachable"), "{page}");
    assert!(
        page.contains("refresh"),
        "the page refreshes itself: {page}"
    );
    app.stop().await;
}

crate::on_both_backends!(
    an_instance_nothing_answers_for_is_a_503_to_try_again_soon,
    a_stale_route_to_another_instances_port_never_reaches_that_instance,
    the_quick_start_instance_becomes_ready_and_answers_through_the_router,
    the_router_answers_unknown_hosts_with_404_and_instances_in_preparation_with_503,
    a_given_key_deploys_on_its_own_number,
    an_unknown_channel_fails_with_703,
    an_invalid_key_and_a_key_of_another_channel_fail_with_702,
    a_second_instance_for_a_deployed_number_fails_with_701_and_leaves_the_first_alone,
    two_creates_for_one_channel_at_the_same_moment_end_one_ready_one_701,
    an_inbox_that_exits_at_start_fails_with_704_after_its_retries,
    an_instance_that_never_becomes_healthy_fails_with_704_and_is_stopped,
    an_instance_process_killed_from_outside_is_started_again,
);
