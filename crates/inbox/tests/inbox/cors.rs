//! CORS: a front-end on an origin the bootstrap lists calls the API from a browser; any other
//! origin gets no CORS header, so the browser keeps the answer from its page.

use crate::support::{Instance, Spec};
use reqwest::{Method, Response};

const FRONT_END: &str = "https://app.example.com";

async fn instance_allowing(origins: &[&str]) -> Instance {
    Instance::start(Spec {
        cors_origins: origins.iter().map(|o| o.to_string()).collect(),
        ..Spec::default()
    })
    .await
}

async fn preflight(instance: &Instance, origin: &str, method: &str) -> Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, instance.url("/api/v1/chats/"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, x-request-id",
        )
        .send()
        .await
        .expect("preflight")
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("text"))
}

fn cors_headers(response: &Response) -> Vec<String> {
    response
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_allows_the_api_methods_and_headers() {
    let instance = instance_allowing(&[FRONT_END, "http://localhost:3000"]).await;

    let answer = preflight(&instance, FRONT_END, "PATCH").await;

    assert_eq!(answer.status(), 204);
    assert_eq!(
        header(&answer, "access-control-allow-origin"),
        Some(FRONT_END)
    );
    let methods = header(&answer, "access-control-allow-methods").expect("methods");
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert!(methods.contains(method), "{method} missing from {methods}");
    }
    let headers = header(&answer, "access-control-allow-headers")
        .expect("headers")
        .to_ascii_lowercase();
    for name in ["authorization", "content-type", "x-request-id"] {
        assert!(headers.contains(name), "{name} missing from {headers}");
    }
    assert_eq!(header(&answer, "access-control-allow-credentials"), None);
    let second = preflight(&instance, "http://localhost:3000", "GET").await;
    assert_eq!(
        header(&second, "access-control-allow-origin"),
        Some("http://localhost:3000")
    );
}

#[tokio::test]
async fn an_answer_to_an_allowed_origin_names_it_and_varies_by_origin() {
    let instance = instance_allowing(&[FRONT_END]).await;

    let answer = instance
        .configurator()
        .client()
        .get(instance.url("/api/v1/users/current/"))
        .header("Origin", FRONT_END)
        .send()
        .await
        .expect("request");

    assert_eq!(answer.status(), 200);
    assert_eq!(
        header(&answer, "access-control-allow-origin"),
        Some(FRONT_END)
    );
    assert!(answer
        .headers()
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().contains("Origin")));
}

#[tokio::test]
async fn another_origin_gets_no_cors_header_at_all() {
    let instance = instance_allowing(&[FRONT_END]).await;

    let refused = preflight(&instance, "https://evil.example.com", "GET").await;
    let lookalike = preflight(&instance, "https://app.example.com.evil.net", "GET").await;
    let answer = instance
        .configurator()
        .client()
        .get(instance.url("/api/v1/users/current/"))
        .header("Origin", "http://app.example.com")
        .send()
        .await
        .expect("request");

    assert_ne!(refused.status(), 204);
    assert_eq!(cors_headers(&refused), Vec::<String>::new());
    assert_eq!(cors_headers(&lookalike), Vec::<String>::new());
    assert_eq!(
        answer.status(),
        200,
        "the server answers; the browser hides it"
    );
    assert_eq!(cors_headers(&answer), Vec::<String>::new());
}

#[tokio::test]
async fn without_origins_no_request_gets_a_cors_header() {
    let instance = Instance::start(Spec::default()).await;

    let refused = preflight(&instance, FRONT_END, "GET").await;

    assert_ne!(refused.status(), 204);
    assert_eq!(cors_headers(&refused), Vec::<String>::new());
}

#[tokio::test]
async fn pages_outside_the_api_get_no_cors_header_even_for_an_allowed_origin() {
    let instance = instance_allowing(&[FRONT_END]).await;

    let page = reqwest::Client::new()
        .get(instance.url("/admin/login"))
        .header("Origin", FRONT_END)
        .send()
        .await
        .expect("page");

    assert_eq!(page.status(), 200);
    assert_eq!(cors_headers(&page), Vec::<String>::new());
}

#[tokio::test]
async fn a_bootstrap_with_a_malformed_origin_stops_the_instance_with_the_reason() {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
    let spec = Spec {
        cors_origins: vec!["https://app.example.com/path".into()],
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
    assert!(log.contains("https://app.example.com/path"), "{log}");
    assert!(log.contains("path"), "{log}");
}
