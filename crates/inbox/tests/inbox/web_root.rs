//! Bring your own front-end: the instance serves a folder of static files at its origin, with a
//! single-page-app fallback and a `config.json` naming its API; its own routes keep answering.

use crate::support::{Instance, Spec};
use reqwest::redirect::Policy;
use reqwest::Response;
use serde_json::{json, Value};
use std::path::Path;
use tempfile::TempDir;

const INDEX: &str = "<!doctype html><title>Front-end</title><div id=root></div>";
const BUNDLE: &str = "console.log('front-end');";

/// A built front-end: `index.html`, a hashed bundle, an unhashed file, and a secret outside it.
fn front_end() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("build");
    std::fs::create_dir_all(root.join("static/js")).unwrap();
    std::fs::write(root.join("index.html"), INDEX).unwrap();
    std::fs::write(root.join("static/js/main.3f2a9c1b.js"), BUNDLE).unwrap();
    std::fs::write(root.join("manifest.json"), r#"{"name":"app"}"#).unwrap();
    std::fs::write(root.join(".env"), "SECRET=1").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
    dir
}

async fn serving(root: &Path) -> Instance {
    Instance::start(Spec {
        web_root: Some(root.to_path_buf()),
        ..Spec::default()
    })
    .await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

async fn get(instance: &Instance, path: &str) -> Response {
    client()
        .get(instance.url(path))
        .send()
        .await
        .expect("request")
}

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map_or("", |v| v.to_str().expect("text"))
}

#[tokio::test]
async fn the_root_and_the_apps_own_paths_answer_its_index_page() {
    let folder = front_end();
    let instance = serving(&folder.path().join("build")).await;

    for path in ["/", "/main/chat/4915100000002", "/login?next=%2F"] {
        let page = get(&instance, path).await;
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&page, "cache-control"), "no-cache", "{path}");
        assert_eq!(page.text().await.unwrap(), INDEX, "{path}");
    }
}

#[tokio::test]
async fn files_are_served_with_their_type_and_hashed_ones_are_cached() {
    let folder = front_end();
    let instance = serving(&folder.path().join("build")).await;

    let bundle = get(&instance, "/static/js/main.3f2a9c1b.js").await;
    assert_eq!(bundle.status(), 200);
    assert!(header(&bundle, "content-type").contains("javascript"));
    assert!(header(&bundle, "cache-control").contains("immutable"));
    let etag = header(&bundle, "etag").to_owned();
    assert_eq!(bundle.text().await.unwrap(), BUNDLE);
    let manifest = get(&instance, "/manifest.json").await;
    assert!(header(&manifest, "content-type").starts_with("application/json"));
    assert_eq!(header(&manifest, "cache-control"), "no-cache");

    let again = client()
        .get(instance.url("/static/js/main.3f2a9c1b.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn a_missing_file_is_a_404_not_the_index_page() {
    let folder = front_end();
    let instance = serving(&folder.path().join("build")).await;

    let missing = get(&instance, "/static/js/gone.1234abcd.js").await;

    assert_eq!(missing.status(), 404);
    assert_ne!(missing.text().await.unwrap(), INDEX);
}

#[tokio::test]
async fn nothing_outside_the_folder_or_hidden_in_it_is_served() {
    let folder = front_end();
    let instance = serving(&folder.path().join("build")).await;

    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/static/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/link.txt",
        "/.env",
    ] {
        let answer = get(&instance, path).await;
        let status = answer.status();
        let body = answer.text().await.unwrap();
        assert!(!body.contains("outside"), "{path} leaked a file: {body}");
        assert!(!body.contains("SECRET"), "{path} leaked a file: {body}");
        assert!(status == 404 || status == 400, "{path}: {status}");
    }
}

#[tokio::test]
async fn config_json_names_the_instances_api_unless_the_folder_has_one() {
    let folder = front_end();
    let instance = serving(&folder.path().join("build")).await;

    let config = get(&instance, "/config.json").await;
    assert_eq!(config.status(), 200);
    assert!(header(&config, "content-type").starts_with("application/json"));
    let body: Value = config.json().await.unwrap();
    assert_eq!(body, json!({"API_BASE_URL": "/api/v1/"}));
    drop(instance);

    let own = json!({"API_BASE_URL": "https://elsewhere.example.com/api/v1/", "APP_ENV_NAME": "x"});
    std::fs::write(folder.path().join("build/config.json"), own.to_string()).unwrap();
    let instance = serving(&folder.path().join("build")).await;
    let body: Value = get(&instance, "/config.json").await.json().await.unwrap();
    assert_eq!(body, own);
}

#[tokio::test]
async fn the_instances_own_routes_are_not_shadowed_by_the_app() {
    let folder = front_end();
    let instance = serving(&folder.path().join("build")).await;

    let health = get(&instance, "/api/v1/status/health").await;
    assert_eq!(health.status(), 200);
    let unknown_api = get(&instance, "/api/v1/no-such-endpoint/").await;
    assert_eq!(unknown_api.status(), 404);
    let detail: Value = unknown_api.json().await.unwrap();
    assert!(detail["detail"].is_string(), "{detail}");
    let login = get(&instance, "/admin/login").await;
    assert_eq!(login.status(), 200);
    assert_ne!(login.text().await.unwrap(), INDEX);
    for path in [
        "/inbox/no-such-page",
        "/admin/no-such-page",
        "/assets/none.css",
    ] {
        let answer = get(&instance, path).await;
        assert_eq!(answer.status(), 404, "{path}");
        assert_ne!(answer.text().await.unwrap(), INDEX, "{path}");
    }
    let post = client().post(instance.url("/main")).send().await.unwrap();
    assert_eq!(post.status(), 404);
}

#[tokio::test]
async fn without_a_web_root_the_root_leads_to_the_web_inbox() {
    let instance = Instance::start(Spec::default()).await;

    let root = get(&instance, "/").await;
    let unknown = get(&instance, "/main/chat/4915100000002").await;

    assert!(root.status().is_redirection());
    assert_eq!(header(&root, "location"), "/inbox/");
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_admin_panel_also_answers_at_hub() {
    let instance = Instance::start(Spec::default()).await;

    for path in ["/hub", "/hub/", "/hub/users"] {
        let answer = get(&instance, path).await;
        assert!(answer.status().is_redirection(), "{path}");
        assert_eq!(header(&answer, "location"), "/admin/", "{path}");
    }
}

#[tokio::test]
async fn a_web_root_that_is_not_a_folder_stops_the_instance_with_the_reason() {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
    let spec = Spec {
        web_root: Some(dir.path().join("no-such-build")),
        ..Spec::default()
    };
    crate::support::instance::write_bootstrap(&dir, &spec);

    let output = crate::support::instance::command(&dir, &[])
        .stderr(std::process::Stdio::piped())
        .output()
        .await
        .expect("runs");

    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("no-such-build"), "{log}");
}
