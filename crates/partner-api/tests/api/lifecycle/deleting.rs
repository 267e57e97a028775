//! `DELETE /v1/instances/{id}`: the subdomain and number are free at once, the data goes.

use super::create_as;
use crate::processes::inbox_pids;
use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use reqwest::Method;
use serde_json::{json, Value};

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

crate::on_both_backends!(delete_frees_the_subdomain_and_number_at_once_and_twice_is_fine,);
