//! `--instance-cors-origins` and `--instance-web-root`: every instance gets them, through the
//! router too, a restart with other values reaches running instances, and a bad value stops
//! `serve` with the reason.

use crate::support::{partner_api_bin, Backend, TestApp};
use instance_contract::origin::AllowedOrigin;
use reqwest::{Method, Response};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub const FRONT_END: &str = "https://app.example.com";
pub const INDEX: &str = "<!doctype html><title>Our front-end</title>";

pub fn origins(raw: &[&str]) -> Vec<AllowedOrigin> {
    raw.iter()
        .map(|o| AllowedOrigin::parse(o).unwrap())
        .collect()
}

/// A request through the router to `{subdomain}.inbox.localhost`, from a page of `origin`.
pub async fn from_origin(
    app: &TestApp,
    method: Method,
    subdomain: &str,
    path: &str,
    origin: &str,
) -> Response {
    let port = app.router_addr().port();
    let mut request = reqwest::Client::new()
        .request(
            method.clone(),
            format!("http://{}{path}", app.router_addr()),
        )
        .header("Host", format!("{subdomain}.inbox.localhost:{port}"))
        .header("Origin", origin);
    if method == Method::OPTIONS {
        request = request
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            );
    }
    request.send().await.unwrap()
}

pub fn allowed_origin(response: &Response) -> Option<String> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned())
}

async fn ready(app: &TestApp, subdomain: &str, channel: &str) {
    let body = json!({"subdomain": subdomain, "channel_id": channel, "generate_activation": true});
    let created = app.create(body).await;
    app.wait_for(created["id"].as_str().unwrap(), "ready").await;
}

#[tokio::test]
async fn every_instance_serves_the_web_root_and_answers_the_listed_origins_through_the_router() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), INDEX).unwrap();
    let root = web.path().to_path_buf();
    let app = TestApp::spawn_with(Backend::Sqlite, |args| {
        args.instance_cors_origins = origins(&[FRONT_END]);
        args.instance_web_root = Some(root);
    })
    .await;
    ready(&app, "byofe", "ByoFeCH").await;

    let page = app.via_router("byofe", "/").await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.text().await.unwrap(), INDEX);
    let app_path = app.via_router("byofe", "/main/chat/4915100000002").await;
    assert_eq!(app_path.text().await.unwrap(), INDEX);
    let config: Value = app
        .via_router("byofe", "/config.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(config, json!({"API_BASE_URL": "/api/v1/"}));

    let preflight = from_origin(
        &app,
        Method::OPTIONS,
        "byofe",
        "/api/v1/auth/token/",
        FRONT_END,
    )
    .await;
    assert_eq!(preflight.status(), 204);
    assert_eq!(allowed_origin(&preflight).as_deref(), Some(FRONT_END));
    let methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("PATCH"), "{methods}");
    let health = from_origin(
        &app,
        Method::GET,
        "byofe",
        "/api/v1/status/health",
        FRONT_END,
    )
    .await;
    assert_eq!(health.status(), 200);
    assert_eq!(allowed_origin(&health).as_deref(), Some(FRONT_END));
    let other = from_origin(
        &app,
        Method::GET,
        "byofe",
        "/api/v1/status/health",
        "https://evil.example.com",
    )
    .await;
    assert_eq!(allowed_origin(&other), None);
    app.stop().await;
}

#[tokio::test]
async fn other_origins_after_a_restart_reach_the_running_instances() {
    let mut app = TestApp::spawn_with(Backend::Sqlite, |args| {
        args.instance_cors_origins = origins(&[FRONT_END]);
    })
    .await;
    ready(&app, "corsmove", "CorsMoveCH").await;
    let before = from_origin(
        &app,
        Method::OPTIONS,
        "corsmove",
        "/api/v1/chats/",
        FRONT_END,
    )
    .await;
    assert_eq!(allowed_origin(&before).as_deref(), Some(FRONT_END));

    let moved = "https://inbox.example.org";
    app.restart_with(|args| args.instance_cors_origins = origins(&[moved]))
        .await;

    let deadline = Instant::now() + Duration::from_secs(20);
    let answer = loop {
        let answer = from_origin(&app, Method::OPTIONS, "corsmove", "/api/v1/chats/", moved).await;
        if answer.status() == 204 || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(answer.status(), 204);
    assert_eq!(allowed_origin(&answer).as_deref(), Some(moved));
    let old = from_origin(
        &app,
        Method::OPTIONS,
        "corsmove",
        "/api/v1/chats/",
        FRONT_END,
    )
    .await;
    assert_eq!(allowed_origin(&old), None);
    app.stop().await;
}

/// `partner-api serve` with `flags`: it must stop by itself; answers its error output.
async fn serve_refuses(flags: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let run = tokio::process::Command::new(partner_api_bin())
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--router-listen",
            "127.0.0.1:0",
        ])
        .args(flags)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("serve stops by itself")
        .unwrap();
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_cors_origin_with_a_path_or_a_missing_web_root_stops_serve_with_the_reason() {
    let with_path = serve_refuses(&[
        "--instance-cors-origins",
        "https://app.example.com,https://other.example.com/app",
    ])
    .await;
    assert!(with_path.contains("--instance-cors-origins"), "{with_path}");
    assert!(
        with_path.contains("https://other.example.com/app"),
        "{with_path}"
    );
    assert!(with_path.contains("path"), "{with_path}");

    let no_scheme = serve_refuses(&["--instance-cors-origins", "app.example.com"]).await;
    assert!(no_scheme.contains("scheme://host[:port]"), "{no_scheme}");

    let missing = serve_refuses(&["--instance-web-root", "/no/such/front-end"]).await;
    assert!(missing.contains("--instance-web-root"), "{missing}");
    assert!(missing.contains("/no/such/front-end"), "{missing}");
}
