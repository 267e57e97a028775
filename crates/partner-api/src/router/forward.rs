//! One request passed on to the instance that serves it.

use super::{body, pages, RouterState, UPSTREAM_TIMEOUT};
use crate::domain::InstanceId;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use instance_contract::bootstrap::ROUTED_INSTANCE_HEADER;
use std::net::IpAddr;

/// Connection-level headers that a proxy must not forward (RFC 9110 §7.6.1).
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Where a request goes and who sent it.
pub struct Hop<'a> {
    pub id: &'a InstanceId,
    pub endpoint: &'a str,
    pub host: &'a str,
    /// Determined by the router (`client_addr`): the only address the instance is told.
    pub client: IpAddr,
}

pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in HOP_BY_HOP {
        headers.remove(*name);
    }
}

/// The headers of a request as the instance gets them: without hop-by-hop headers, with
/// `X-Forwarded-*` and the routed-instance header.
pub fn prepare_headers(headers: &mut HeaderMap, hop: &Hop<'_>, scheme: &str) {
    strip_hop_by_hop(headers);
    let forwarded_for = hop.client.to_string();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    // Replaces what the client sent: the instance trusts this header from the router alone.
    set(headers, "x-forwarded-for", &forwarded_for);
    set(headers, "x-forwarded-host", hop.host);
    set(headers, "x-forwarded-proto", scheme);
    // Replaces whatever a client sent: only the router names the instance a request is for.
    set(headers, ROUTED_INSTANCE_HEADER, hop.id.as_str());
}

pub async fn forward(state: &RouterState, req: Request, hop: &Hop<'_>) -> Response {
    let path = req.uri().path().to_owned();
    let length = body::declared_length(req.headers());
    if length.is_some_and(|length| length > body::MAX_BYTES) {
        return pages::too_large(&path);
    }
    let has_body = body::announced(req.headers());
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = format!("http://{}{target}", hop.endpoint).parse::<Uri>() else {
        return pages::unavailable(&path);
    };
    let (parts, incoming) = req.into_parts();
    let (body, overflow) = if has_body {
        let (capped, overflow) = body::Capped::new(incoming, length);
        (Body::new(capped), overflow)
    } else {
        (Body::empty(), body::Overflow::default())
    };
    let mut req = Request::from_parts(parts, body);
    *req.uri_mut() = uri;
    prepare_headers(req.headers_mut(), hop, state.scheme);
    let sent = state.instances.request(req, has_body);
    let answer = tokio::time::timeout(UPSTREAM_TIMEOUT, sent).await;
    let Ok(answer) = answer else {
        tracing::warn!(endpoint = %hop.endpoint, "instance did not answer within {UPSTREAM_TIMEOUT:?}");
        return pages::timed_out(&path);
    };
    match answer {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, Body::new(body)).into_response()
        }
        Err(_) if overflow.happened() => pages::too_large(&path),
        Err(e) if e.is_connect() => {
            tracing::warn!(endpoint = %hop.endpoint, error = %e, "instance not reached");
            pages::not_reached(&path)
        }
        Err(e) => {
            tracing::warn!(endpoint = %hop.endpoint, error = %e, "instance did not answer");
            pages::unavailable(&path)
        }
    }
}
