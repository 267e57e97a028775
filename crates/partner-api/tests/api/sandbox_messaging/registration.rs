//! The control plane registers every instance for its inbound messages; the messaging API
//! answers only live keys; every number has its templates.

use super::{customer_writes, messaging, register, MOUNT};
use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use reqwest::Method;
use serde_json::{json, Value};

async fn webhook_config(app: &TestApp, key: &str) -> Value {
    let response = messaging(app, Method::GET, "/v1/configs/webhook", key)
        .send()
        .await
        .unwrap();
    let (status, config) = json(response).await;
    assert_eq!(status, 200, "{config}");
    config
}

async fn a_deployed_instance_is_registered_for_its_inbound_messages_and_again_with_a_new_key(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let key = app.sandbox_d360_key("InboundCH").await;
    let created = app
        .create(json!({"subdomain": "inbound-reg", "d360_api_key": key}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.wait_for(id, "ready").await;
    let port = app.router_addr().port();
    let inbound_url = format!("http://inbound-reg.inbox.localhost:{port}/api/v1/whatsapp/webhook/");

    let registered = webhook_config(&app, &key).await;
    assert_eq!(registered["url"], inbound_url, "{registered}");
    let headers = registered["headers"].as_object().unwrap();
    assert_eq!(headers.len(), 1, "{registered}");
    let secret = headers["x-inbox-webhook-secret"].as_str().unwrap();
    assert!(
        secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()),
        "{secret}"
    );

    let (status, answer) = customer_writes(
        &app,
        "InboundCH",
        json!({"from": "4915100000008", "name": "Fay", "text": "Hello inbox"}),
    )
    .await;
    assert_eq!(
        (status, &answer["status"]),
        (200, &json!(200)),
        "the instance accepts 360Dialog's webhook: {answer}"
    );

    register(&app, &key, "http://127.0.0.1:9/elsewhere", json!({})).await;
    let new_key = app.sandbox_d360_key("InboundCH").await;
    let response = app
        .request(Method::PATCH, &format!("/v1/instances/{id}"), SANDBOX_KEY)
        .json(&json!({"d360_api_key": new_key}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let updated = app.wait_for(id, "ready").await;
    assert_eq!(updated["errors"], json!([]), "{updated}");
    assert_eq!(
        webhook_config(&app, &new_key).await,
        registered,
        "the key change registered the instance again, with the same secret"
    );
    app.stop().await;
}

async fn a_missing_unknown_or_revoked_key_is_refused_with_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let revoked = app.sandbox_d360_key("KeysCH").await;
    let live = app.sandbox_d360_key("KeysCH").await;
    let calls = [
        (Method::GET, "/health_status"),
        (Method::GET, "/v1/configs/webhook"),
        (Method::POST, "/v1/configs/webhook"),
        (Method::GET, "/v1/configs/templates"),
        (Method::POST, "/messages"),
        (Method::POST, "/media"),
        (Method::GET, "/1234567890123456"),
        (Method::GET, "/whatsapp_business/attachments/?mid=1"),
    ];
    for (method, path) in &calls {
        for key in [None, Some("sbx_nonsense"), Some(revoked.as_str())] {
            let url = app.url(&format!("{MOUNT}{path}"));
            let mut request = app.client.request(method.clone(), url);
            if let Some(key) = key {
                request = request.header("D360-API-KEY", key);
            }
            let (status, body) = json(request.send().await.unwrap()).await;
            assert_eq!(status, 401, "{method} {path} with {key:?}: {body}");
            assert_eq!(body["meta"]["http_code"], 401, "{body}");
        }
    }
    let health = messaging(&app, Method::GET, "/health_status", &live)
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    app.stop().await;
}

async fn every_number_has_hello_world_and_a_template_with_a_body_variable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.sandbox_d360_key("TemplCH").await;
    let response = messaging(&app, Method::GET, "/v1/configs/templates", &key)
        .send()
        .await
        .unwrap();
    let (status, listed) = json(response).await;
    assert_eq!(status, 200, "{listed}");
    let templates = listed["waba_templates"].as_array().unwrap();
    assert_eq!(listed["count"], templates.len());
    assert_eq!(listed["total"], templates.len());
    assert_eq!(
        (&listed["offset"], &listed["limit"], &listed["sort"]),
        (&json!(0), &json!(1000), &json!(["id"]))
    );
    for template in templates {
        assert_eq!(template["status"], "approved", "{template}");
        assert_eq!(template["rejected_reason"], "NONE", "{template}");
        for field in ["name", "language", "category", "namespace"] {
            assert!(template[field].is_string(), "{field}: {template}");
        }
    }
    let named = |name: &str| {
        templates
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {listed}"))
    };
    let hello = named("hello_world");
    assert_eq!(hello["language"], "en_US");
    let components = hello["components"].as_array().unwrap();
    assert!(components.iter().any(|c| c["type"] == "HEADER"), "{hello}");
    assert!(
        components
            .iter()
            .any(|c| c["type"] == "BODY" && c["text"] == "Hello World"),
        "{hello}"
    );
    let order = named("order_update");
    assert_eq!(
        order["components"][0]["text"],
        "Hello {{1}}, your order is on its way."
    );
    app.stop().await;
}

crate::on_both_backends!(
    a_deployed_instance_is_registered_for_its_inbound_messages_and_again_with_a_new_key,
    a_missing_unknown_or_revoked_key_is_refused_with_401,
    every_number_has_hello_world_and_a_template_with_a_body_variable,
);
