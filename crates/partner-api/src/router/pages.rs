//! What the router answers itself: short pages for people, JSON for API clients.

use super::target::Refusal;
use crate::domain::InstanceStatus;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

fn page(title: &str, message: &str, refresh: bool) -> String {
    let refresh = if refresh {
        r#"<meta http-equiv="refresh" content="3">"#
    } else {
        ""
    };
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">{refresh}<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;background:#f4f6f8;color:#1f2d3d;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0}}main{{background:#fff;padding:2.5rem 3rem;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);max-width:30rem;margin:1rem;text-align:center}}@media (max-width:480px){{main{{padding:2rem 1.5rem}}}}h1{{font-size:1.4rem;margin:0 0 .8rem}}p{{color:#52606d;line-height:1.5}}</style></head>
<body><main><h1>{title}</h1><p>{message}</p></main></body></html>"#
    )
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

pub fn unknown_host(host: &str) -> Response {
    let host = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-:".contains(*c))
        .collect::<String>();
    (
        StatusCode::NOT_FOUND,
        Html(page(
            "No inbox here",
            &format!("There is no inbox at {host}."),
            false,
        )),
    )
        .into_response()
}

pub fn not_ready(status: InstanceStatus, path: &str) -> Response {
    let preparing = matches!(status, InstanceStatus::Deploying);
    let mut response = if is_api(path) {
        let detail = if preparing {
            "The inbox is being prepared."
        } else {
            "The inbox is not available."
        };
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"detail": detail, "status": status.as_str()})),
        )
            .into_response()
    } else if preparing {
        let message = "We are setting up your inbox. This page refreshes itself and continues as soon as it is ready.";
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(page("Your inbox is being prepared", message, true)),
        )
            .into_response()
    } else {
        let message = "This inbox is not available right now. Please contact your provider.";
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(page("Inbox not available", message, false)),
        )
            .into_response()
    };
    if preparing {
        retry_after(&mut response, "3");
    }
    response
}

/// Tells clients how many seconds to wait before asking again.
fn retry_after(response: &mut Response, seconds: &'static str) {
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from_static(seconds),
    );
}

/// `{"detail"}` for API clients, a page for people.
fn answer(
    status: StatusCode,
    path: &str,
    detail: &str,
    (title, message, refresh): (&str, &str, bool),
) -> Response {
    if is_api(path) {
        return (status, Json(json!({ "detail": detail }))).into_response();
    }
    (status, Html(page(title, message, refresh))).into_response()
}

pub fn unavailable(path: &str) -> Response {
    answer(
        StatusCode::BAD_GATEWAY,
        path,
        "The inbox did not answer.",
        (
            "Inbox not answering",
            "The inbox did not answer. Please try again in a moment.",
            true,
        ),
    )
}

/// An instance whose machine is unreachable (a Swarm node that is down): nothing to try until
/// the machine is back, so the page refreshes itself.
pub fn machine_unreachable(path: &str) -> Response {
    let mut response = answer(
        StatusCode::SERVICE_UNAVAILABLE,
        path,
        "The machine this inbox runs on is unreachable; the inbox answers again when it is back.",
        (
            "Inbox unreachable",
            "The machine this inbox runs on is unreachable. Nothing is lost: the inbox answers again as soon as the machine is back. This page refreshes itself.",
            true,
        ),
    );
    retry_after(&mut response, "10");
    response
}

/// An instance nothing answers for: no connection within [`super::CONNECT_TIMEOUT`], refused, or
/// its name no longer resolves. On a Swarm this is what the seconds before a node is known to be
/// down look like, so it is the same kind of answer as [`machine_unreachable`]: try again soon.
pub fn not_reached(path: &str) -> Response {
    let mut response = answer(
        StatusCode::SERVICE_UNAVAILABLE,
        path,
        "The inbox could not be reached; try again in a few seconds.",
        (
            "Inbox unreachable",
            "The inbox could not be reached just now. Nothing is lost: this page refreshes itself until it answers.",
            true,
        ),
    );
    retry_after(&mut response, "5");
    response
}

pub fn timed_out(path: &str) -> Response {
    answer(
        StatusCode::GATEWAY_TIMEOUT,
        path,
        "The inbox did not answer in time.",
        (
            "Inbox not answering",
            "The inbox did not answer in time. Please try again in a moment.",
            false,
        ),
    )
}

/// An instance at its limit of open websockets (see `sockets::PER_INSTANCE`).
pub fn too_many_sockets(path: &str) -> Response {
    let mut response = answer(
        StatusCode::SERVICE_UNAVAILABLE,
        path,
        "The inbox has too many open connections.",
        (
            "Inbox busy",
            "The inbox has too many open connections. Please try again in a moment.",
            false,
        ),
    );
    retry_after(&mut response, "30");
    response
}

/// A body over the router's limit (`body::MAX_BYTES`).
pub fn too_large(path: &str) -> Response {
    answer(
        StatusCode::PAYLOAD_TOO_LARGE,
        path,
        "The request body is too large.",
        (
            "Too large",
            "What you sent is larger than an inbox accepts.",
            false,
        ),
    )
}

/// A request the router passes to no instance (see `target`).
pub fn refused(why: &Refusal, path: &str) -> Response {
    let (status, title, detail) = match why {
        Refusal::Tunnel => (
            StatusCode::METHOD_NOT_ALLOWED,
            "Not a proxy",
            "This address serves inboxes; it does not open tunnels (CONNECT).",
        ),
        Refusal::NoHost => (
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The request has no Host header.",
        ),
        Refusal::TwoHosts => (
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The request has more than one Host header.",
        ),
        Refusal::InvalidHost => (
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The Host header is not a valid host.",
        ),
        Refusal::OtherTarget => (
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The request target names another host than the Host header.",
        ),
    };
    let mut response = answer(status, path, detail, (title, detail, false));
    if *why == Refusal::Tunnel {
        response.headers_mut().insert(
            header::ALLOW,
            header::HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
        );
    }
    response
}
