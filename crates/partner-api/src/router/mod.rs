//! The instance router: a reverse proxy on `--router-listen` that sends
//! `Host: {subdomain}.{base domain}` to the instance serving that subdomain.

mod pages;
mod routes;

use crate::domain::InstanceId;
use crate::public_urls::PublicUrls;
use crate::store::Db;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use inbox::bootstrap::ROUTED_INSTANCE_HEADER;
use routes::{Route, RouteCache};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone)]
struct RouterState {
    routes: Arc<RouteCache>,
    urls: PublicUrls,
    scheme: &'static str,
    client: Client<HttpConnector, Body>,
}

/// The longest an instance may take to answer before the browser gets a 504.
const UPSTREAM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Connection-level headers that a proxy must not forward (RFC 9110 §7.6.1).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

pub fn app(db: Db, urls: PublicUrls, https: bool) -> Router {
    let routes = Arc::new(RouteCache::new(db));
    routes.clone().follow_changes();
    let state = RouterState {
        routes,
        urls,
        scheme: if https { "https" } else { "http" },
        client: Client::builder(TokioExecutor::new()).build_http(),
    };
    Router::new().fallback(proxy).with_state(state)
}

async fn proxy(
    State(state): State<RouterState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("")
        .to_ascii_lowercase();
    let Some(subdomain) = state.urls.subdomain_of_host(&host) else {
        return pages::unknown_host(&host);
    };
    // A body can be sent once; a request without one may be tried again on a fresh route.
    let retryable = matches!(req.method(), &Method::GET | &Method::HEAD);
    let retry_parts = retryable.then(|| {
        (
            req.method().clone(),
            req.uri().clone(),
            req.headers().clone(),
        )
    });
    let path = req.uri().path().to_owned();
    let (id, endpoint) = match route_of(&state, subdomain, &host, &path).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let answer = forward(&state, req, &id, &endpoint, &host, peer).await;
    if answer.status() != StatusCode::MISDIRECTED_REQUEST {
        return answer;
    }
    // The endpoint now serves another instance (its port was reused after a restart): drop the
    // stale route and look again.
    tracing::warn!(instance = %id, %endpoint, "endpoint serves another instance; looking the route up again");
    state.routes.forget(subdomain);
    let Some((method, uri, headers)) = retry_parts else {
        return pages::unavailable(&path);
    };
    match route_of(&state, subdomain, &host, &path).await {
        Ok((id, fresh)) if fresh != endpoint => {
            let mut again = Request::new(Body::empty());
            *again.method_mut() = method;
            *again.uri_mut() = uri;
            *again.headers_mut() = headers;
            let answer = forward(&state, again, &id, &fresh, &host, peer).await;
            if answer.status() == StatusCode::MISDIRECTED_REQUEST {
                return pages::unavailable(&path);
            }
            answer
        }
        Ok(_) => pages::unavailable(&path),
        Err(answer) => answer,
    }
}

/// The instance and endpoint serving `subdomain`, or the page that says why there is none.
async fn route_of(
    state: &RouterState,
    subdomain: &str,
    host: &str,
    path: &str,
) -> Result<(InstanceId, String), Response> {
    let route = state.routes.lookup(subdomain).await.map_err(|e| {
        tracing::error!(error = format!("{e:#}"), "router lookup");
        pages::unavailable(path)
    })?;
    match route {
        None => Err(pages::unknown_host(host)),
        Some(Route {
            id,
            endpoint: Some(endpoint),
            status,
        }) if status.wants_running() => Ok((id, endpoint)),
        Some(Route { status, .. }) => Err(pages::not_ready(status, path)),
    }
}

async fn forward(
    state: &RouterState,
    mut req: Request,
    id: &InstanceId,
    endpoint: &str,
    host: &str,
    peer: SocketAddr,
) -> Response {
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = format!("http://{endpoint}{path}").parse::<Uri>() else {
        return pages::unavailable(path);
    };
    *req.uri_mut() = uri;
    let headers = req.headers_mut();
    for name in HOP_BY_HOP {
        headers.remove(*name);
    }
    let forwarded_for = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(earlier) => format!("{earlier}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set(headers, "x-forwarded-for", &forwarded_for);
    set(headers, "x-forwarded-host", host);
    set(headers, "x-forwarded-proto", state.scheme);
    // Replaces whatever a client sent: only the router names the instance a request is for.
    set(headers, ROUTED_INSTANCE_HEADER, id.as_str());
    let path = req.uri().path().to_owned();
    let answer = tokio::time::timeout(UPSTREAM_TIMEOUT, state.client.request(req)).await;
    let Ok(answer) = answer else {
        tracing::warn!(%endpoint, "instance did not answer within {UPSTREAM_TIMEOUT:?}");
        return pages::timed_out(&path);
    };
    match answer {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            for name in HOP_BY_HOP {
                parts.headers.remove(*name);
            }
            Response::from_parts(parts, Body::new(body)).into_response()
        }
        Err(e) => {
            tracing::warn!(%endpoint, error = %e, "instance did not answer");
            pages::unavailable(&path)
        }
    }
}
