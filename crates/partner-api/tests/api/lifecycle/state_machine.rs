//! The instance state machine seen through the API: only a ready or failed instance takes a
//! PATCH; one being updated or deleted answers 409 and keeps the change under way.

use super::create_as;
use crate::support::{json, script, Backend, TestApp, SANDBOX_KEY};
use reqwest::Method;
use serde_json::json;

async fn an_instance_being_updated_refuses_another_update_and_finishes_the_first(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    // The instance process starts only once the test opens the gate, so the update waits for it.
    let gate = app.dir.path().join("gate");
    let gated = script(
        app.dir.path(),
        "gated-inbox",
        &format!(
            "while [ ! -e {} ]; do sleep 0.05; done\nexec {} \"$@\"",
            gate.display(),
            crate::support::inbox_bin().display()
        ),
    );
    app.restart_with(|args| args.inbox_bin = Some(gated)).await;
    let id = create_as(&app, SANDBOX_KEY, json!({"channel_id": "TwiceCH", "d360_api_key": "sbx_revoked_or_wrong", "max_number_of_seats": 4})).await;
    app.wait_for(&id, "failed").await;
    let path = format!("/v1/instances/{id}");
    let patch = |body| {
        app.request(Method::PATCH, &path, SANDBOX_KEY)
            .json(&body)
            .send()
    };
    let good = app.sandbox_d360_key("TwiceCH").await;
    let (status, first) = json(patch(json!({"d360_api_key": good})).await.unwrap()).await;
    assert_eq!((status, first["status"].clone()), (202, json!("updating")));

    let (status, second) = json(patch(json!({"max_number_of_seats": 9})).await.unwrap()).await;
    assert_eq!(status, 409, "{second}");
    assert_eq!(
        second["detail"],
        "The instance is updating; only an instance that is ready or failed accepts this change"
    );

    std::fs::write(&gate, "").unwrap();
    let repaired = app.wait_for(&id, "ready").await;
    assert_eq!(
        repaired["errors"],
        json!([]),
        "the first update went through"
    );
    assert_eq!(
        repaired["max_number_of_seats"], 4,
        "the refused one changed nothing"
    );
    app.stop().await;
}

async fn a_deleted_instance_refuses_an_update_and_stays_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = create_as(&app, SANDBOX_KEY, json!({"channel_id": "GoneForGoodCH"})).await;
    app.wait_for(&id, "ready").await;
    let path = format!("/v1/instances/{id}");
    let deleting = app.request(Method::DELETE, &path, SANDBOX_KEY).send().await;
    assert_eq!(deleting.unwrap().status(), 202);
    app.wait_for(&id, "deleted").await;

    let (status, refused) = json(
        app.request(Method::PATCH, &path, SANDBOX_KEY)
            .json(&json!({"max_number_of_seats": 2}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .starts_with("The instance is deleted;"),
        "{refused}"
    );
    let after = json(app.get(&path, SANDBOX_KEY).await).await.1;
    assert_eq!(after["status"], "deleted");
    app.stop().await;
}

crate::on_both_backends!(
    an_instance_being_updated_refuses_another_update_and_finishes_the_first,
    a_deleted_instance_refuses_an_update_and_stays_deleted,
);
