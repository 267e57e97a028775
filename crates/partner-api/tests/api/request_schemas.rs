//! The OpenAPI document is the server's truth: a body its request schema accepts is accepted by
//! the server, and one it refuses is refused with a `422`, case by case, at every edge a parser
//! checks (lax numbers and booleans, `null`, reserved names, user-name characters, headers).

use crate::support::{json, Backend, TestApp, SANDBOX_KEY};
use serde_json::{json, Value};

async fn request_schema(app: &TestApp, name: &str) -> jsonschema::Validator {
    let (_, doc) = json(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let schema = &doc["components"]["schemas"][name];
    assert!(schema.is_object(), "{name} is in the document");
    jsonschema::validator_for(schema).unwrap()
}

/// Sends each body and checks the server agrees with the schema.
async fn agree(
    schema: &jsonschema::Validator,
    send: impl AsyncFn(&Value) -> (u16, Value),
    cases: &[Value],
) {
    for body in cases {
        let documented = schema.is_valid(body);
        let (status, answer) = send(body).await;
        let accepted = (200..300).contains(&status);
        assert!(
            accepted == documented && (accepted || status == 422),
            "{body}: the document {} it, the server answered {status} {answer}",
            if documented { "accepts" } else { "refuses" }
        );
    }
}

fn create_cases() -> Vec<Value> {
    let base = |extra: Value| {
        let mut body = json!({"channel_id": "SchemaCh1"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let configurator = |user: &str, url: &str, headers: Value| {
        base(
            json!({"configurator": {"user_name": user, "webhook_url": url, "webhook_headers": headers}}),
        )
    };
    vec![
        base(json!({})),
        json!({"d360_api_key": "k3y-Of-Schema"}),
        json!({}),
        json!({"channel_id": null, "d360_api_key": null}),
        json!({"channel_id": "has space"}),
        json!({"channel_id": "c".repeat(65)}),
        json!({"d360_api_key": "é"}),
        json!([1, 2]),
        base(json!({"max_number_of_seats": "7"})),
        base(json!({"max_number_of_seats": "+0012"})),
        base(json!({"max_number_of_seats": 1000.0})),
        base(json!({"max_number_of_seats": "1001"})),
        base(json!({"max_number_of_seats": 0})),
        base(json!({"max_number_of_seats": "seven"})),
        base(json!({"max_number_of_seats": null})),
        base(json!({"generate_activation": "YES"})),
        base(json!({"generate_activation": 1})),
        base(json!({"generate_activation": 2})),
        base(json!({"generate_activation": "maybe"})),
        base(json!({"subdomain": "Schema-Edge1"})),
        base(json!({"subdomain": ""})),
        base(json!({"subdomain": "API"})),
        base(json!({"subdomain": "Ns1"})),
        base(json!({"subdomain": "api2schema"})),
        base(json!({"subdomain": "1st"})),
        base(json!({"subdomain": "ends-"})),
        base(json!({"subdomain": format!("a{}", "b".repeat(63))})),
        base(json!({"admin_email": "Ana.Lima+inbox@Example.COM"})),
        base(json!({"admin_email": "josé@example.com"})),
        base(json!({"admin_email": "o'brien@example.com"})),
        base(json!({"admin_email": "ana@localhost"})),
        base(json!({"admin_email": format!("{}@example.com", "a".repeat(65))})),
        base(json!({"admin_email": "not an address"})),
        configurator(
            "service_account",
            "https://example.com/hook",
            json!({"X-Token": "t"}),
        ),
        configurator("½Ôì", "https://example.com/hook", Value::Null),
        configurator("Ádmin", "https://example.com/hook", Value::Null),
        configurator("ADMIN", "https://example.com/hook", Value::Null),
        configurator("two words", "https://example.com/hook", Value::Null),
        configurator("svc", "ftp://example.com/hook", Value::Null),
        configurator("svc", "https://example.com:99999/", Value::Null),
        configurator("svc", "https://example.com/hook", json!({"Host": "x"})),
        configurator(
            "svc",
            "https://example.com/hook",
            json!({"proxy-authorization": "x"}),
        ),
        configurator("svc", "https://example.com/hook", json!({"X-Line": "a\nb"})),
        configurator("svc", "https://example.com/hook", json!({"X-N": 1})),
        base(json!({"configurator": {"user_name": "svc"}})),
        base(json!({"configurator": null})),
    ]
}

async fn create_instance_accepts_exactly_what_its_documented_schema_accepts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let schema = request_schema(&app, "CreateInstance").await;
    let send =
        async |body: &Value| json(app.post_json("/v1/instances", SANDBOX_KEY, body).await).await;
    agree(&schema, send, &create_cases()).await;
    app.stop().await;
}

async fn update_instance_accepts_exactly_what_its_documented_schema_accepts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let schema = request_schema(&app, "UpdateInstance").await;
    let created = app.create(json!({"channel_id": "SchemaUp1"})).await;
    let id = created["id"].as_str().unwrap().to_owned();
    app.wait_for(&id, "ready").await;
    let send = async |body: &Value| {
        let answer = json(app.patch_instance(&id, body).await).await;
        if answer.0 == 202 {
            app.wait_for(&id, "ready").await;
        }
        answer
    };
    let cases = [
        json!({"max_number_of_seats": 3}),
        json!({"max_number_of_seats": "4", "d360_api_key": null}),
        json!({"max_number_of_seats": null, "d360_api_key": null}),
        json!({}),
        json!({"other": 1}),
        json!({"max_number_of_seats": 1001}),
        json!({"d360_api_key": ""}),
    ];
    agree(&schema, send, &cases).await;
    app.stop().await;
}

crate::on_both_backends!(
    create_instance_accepts_exactly_what_its_documented_schema_accepts,
    update_instance_accepts_exactly_what_its_documented_schema_accepts,
);
