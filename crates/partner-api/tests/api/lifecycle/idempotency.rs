//! `Idempotency-Key` on create: a retry returns the first answer.

use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use reqwest::Method;
use serde_json::{json, Value};

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

crate::on_both_backends!(an_idempotency_key_makes_a_retried_create_return_the_first_answer,);
