use crate::support::{json, Backend, TestApp};
use serde_json::json;

async fn the_three_health_paths_answer_healthy_without_a_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/", "/v1/", "/v1"] {
        let (status, body) = json(app.client.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(
            (status, body),
            (200, json!({"status": "healthy"})),
            "{path}"
        );
    }
    app.stop().await;
}

async fn unknown_paths_and_methods_answer_in_the_documented_shape(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = json(app.client.get(app.url("/v2/nothing")).send().await.unwrap()).await;
    assert_eq!((status, body), (404, json!({"detail": "Not Found"})));
    let (status, body) = json(
        app.client
            .delete(app.url("/v1/partner_id"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body),
        (405, json!({"detail": "Method Not Allowed"}))
    );
    app.stop().await;
}

async fn the_openapi_document_describes_every_endpoint_and_the_docs_page_renders_it(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (status, doc) = json(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for (path, method) in [
        ("/", "get"),
        ("/v1/", "get"),
        ("/v1/partner_id", "get"),
        ("/v1/instances", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["APIKey"]["scheme"],
        "bearer"
    );
    let page = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "the docs page loads Swagger UI");
    let config = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        config.contains("/openapi.json"),
        "the docs page renders our document"
    );
    app.stop().await;
}

crate::on_both_backends!(
    the_three_health_paths_answer_healthy_without_a_key,
    unknown_paths_and_methods_answer_in_the_documented_shape,
    the_openapi_document_describes_every_endpoint_and_the_docs_page_renders_it,
);

/// PostgreSQL only: refusing connections to a test's database is something its server can do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_turns_unhealthy_while_the_database_refuses_and_recovers_after() {
    use sqlx::Connection;
    let app = TestApp::spawn(Backend::Postgres).await;
    let db_name = app
        .storage
        .database_url
        .clone()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::Executor::execute(
        &mut conn,
        (format!("ALTER DATABASE {db_name} ALLOW_CONNECTIONS false")).as_str(),
    )
    .await
    .unwrap();
    sqlx::Executor::execute(
        &mut conn,
        (format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db_name}'"
        ))
        .as_str(),
    )
    .await
    .unwrap();
    let (status, body) = json(app.client.get(app.url("/")).send().await.unwrap()).await;
    assert_eq!((status, body), (503, json!({"status": "unhealthy"})));
    sqlx::Executor::execute(
        &mut conn,
        (format!("ALTER DATABASE {db_name} ALLOW_CONNECTIONS true")).as_str(),
    )
    .await
    .unwrap();
    let (status, _) = json(app.client.get(app.url("/v1/")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    app.stop().await;
}
