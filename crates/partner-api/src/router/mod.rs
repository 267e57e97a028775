//! The instance router: a reverse proxy on `--router-listen` that sends
//! `Host: {subdomain}.{base domain}` (and the push channel's `websockets-{subdomain}.{base domain}`)
//! to the instance serving that subdomain, websockets included.

mod body;
mod client_addr;
mod forward;
mod hosts;
mod pages;
mod routes;
mod sockets;
mod target;
mod upgrade;
mod upstream;

use crate::deploy::{sleep, Deployer};
use crate::domain::InstanceId;
use crate::public_urls::PublicUrls;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Router;
pub use client_addr::TrustedProxies;
use forward::Hop;
use hyper::upgrade::OnUpgrade;
use routes::{Route, RouteCache};
use sockets::OpenSockets;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::{CancellationToken, DropGuard};

#[derive(Clone)]
struct RouterState {
    routes: Arc<RouteCache>,
    /// Wakes sleeping instances; knows which are busy.
    deployer: Deployer,
    urls: PublicUrls,
    scheme: &'static str,
    instances: upstream::Instances,
    sockets: Arc<OpenSockets>,
    trusted_proxies: Arc<TrustedProxies>,
    /// Cancelled when the router is dropped (the server stopped): open websockets do not outlive it.
    stop: CancellationToken,
    _stop_on_drop: Arc<DropGuard>,
}

/// The longest an instance may take to answer (a websocket: its handshake) before the browser
/// gets a 504.
const UPSTREAM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// An instance's connection is a hop on one machine or across an overlay network: milliseconds.
/// A connection (its name looked up included) not made in this time goes nowhere (its machine
/// gone), and is answered as such rather than held for [`UPSTREAM_TIMEOUT`].
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

pub fn app(
    deployer: Deployer,
    urls: PublicUrls,
    https: bool,
    trusted_proxies: TrustedProxies,
) -> Router {
    let routes = Arc::new(RouteCache::new(deployer.db.clone()));
    routes.clone().follow_changes();
    let stop = CancellationToken::new();
    let state = RouterState {
        routes,
        deployer,
        urls,
        scheme: if https { "https" } else { "http" },
        instances: upstream::Instances::new(),
        sockets: Arc::default(),
        trusted_proxies: Arc::new(trusted_proxies),
        _stop_on_drop: Arc::new(stop.clone().drop_guard()),
        stop,
    };
    Router::new().fallback(proxy).with_state(state)
}

async fn proxy(
    State(state): State<RouterState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
) -> Response {
    let host = match target::host_of(&req) {
        Ok(host) => host,
        Err(why) => return pages::refused(&why, req.uri().path()),
    };
    let Some(label) = state.urls.subdomain_of_host(&host) else {
        return pages::unknown_host(&host);
    };
    let client_upgrade = upgrade::is_websocket(&req).then(|| hyper::upgrade::on(&mut req));
    let labels = hosts::labels_to_try(label, client_upgrade.is_some());
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
    let (subdomain, id, endpoint) = match route_of(&state, &labels, &host, &path).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    // Held until the answer is on its way (a websocket's relay holds its own).
    let _busy = state.deployer.sleep.busy(&id);
    let hop = Hop {
        id: &id,
        endpoint: &endpoint,
        host: &host,
        client: state.trusted_proxies.client(peer.ip(), req.headers()),
    };
    let answer = send(&state, req, client_upgrade.clone(), &hop).await;
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
    match route_of(&state, &labels, &host, &path).await {
        Ok((_, id, fresh)) if fresh != endpoint => {
            let mut again = Request::new(Body::empty());
            *again.method_mut() = method;
            *again.uri_mut() = uri;
            *again.headers_mut() = headers;
            let hop = Hop {
                id: &id,
                endpoint: &fresh,
                ..hop
            };
            let answer = send(&state, again, client_upgrade, &hop).await;
            if answer.status() == StatusCode::MISDIRECTED_REQUEST {
                return pages::unavailable(&path);
            }
            answer
        }
        Ok(_) => pages::unavailable(&path),
        Err(answer) => answer,
    }
}

async fn send(
    state: &RouterState,
    req: Request,
    client_upgrade: Option<OnUpgrade>,
    hop: &Hop<'_>,
) -> Response {
    match client_upgrade {
        Some(client) => upgrade::forward(state, req, client, hop).await,
        None => forward::forward(state, req, hop).await,
    }
}

/// The first of `labels` that names an instance, with that instance and its endpoint, or the page
/// that says why there is none.
async fn route_of<'a>(
    state: &RouterState,
    labels: &[&'a str],
    host: &str,
    path: &str,
) -> Result<(&'a str, InstanceId, String), Response> {
    for &label in labels {
        let route = state.routes.lookup(label).await.map_err(|e| {
            tracing::error!(error = format!("{e:#}"), "router lookup");
            pages::unavailable(path)
        })?;
        match route {
            None => continue,
            Some(Route {
                unavailable: Some(why),
                id,
                status,
                ..
            }) if status.wants_running() => {
                tracing::debug!(instance = %id, %why, "unreachable");
                return Err(pages::machine_unreachable(path));
            }
            Some(Route {
                id,
                endpoint: Some(endpoint),
                status,
                ..
            }) if status.wants_running() => return Ok((label, id, endpoint)),
            // Asleep: woken for this request.
            Some(Route { id, status, .. }) if status.wants_running() => {
                return match sleep::wake(&state.deployer, &id).await {
                    Ok(endpoint) => Ok((label, id, endpoint)),
                    Err(e) => {
                        // Waking it may have found its machine unreachable.
                        state.routes.forget(label);
                        if let Ok(Some(Route {
                            unavailable: Some(_),
                            ..
                        })) = state.routes.lookup(label).await
                        {
                            return Err(pages::machine_unreachable(path));
                        }
                        tracing::error!(instance = %id, error = format!("{e:#}"), "waking");
                        Err(pages::unavailable(path))
                    }
                };
            }
            Some(Route { status, .. }) => return Err(pages::not_ready(status, path)),
        }
    }
    Err(pages::unknown_host(host))
}
