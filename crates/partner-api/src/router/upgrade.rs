//! Websockets through the router. The handshake goes to the instance on a connection of its own,
//! bounded by the answer timeout like any request; once the instance answers `101`, the client's
//! and the instance's upgraded connections are joined and bytes are copied both ways, without a
//! time limit, until either side closes.

use super::forward::{prepare_headers, strip_hop_by_hop, Hop};
use super::sockets::{self, Permit};
use super::{pages, RouterState, CONNECT_TIMEOUT, UPSTREAM_TIMEOUT};
use crate::domain::InstanceId;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version};
use axum::response::Response;
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// An HTTP/1.1 websocket handshake (RFC 6455 §4.1). Other upgrades (e.g. `h2c`) are not passed on.
pub fn is_websocket(req: &Request) -> bool {
    req.method() == Method::GET
        && req.version() == Version::HTTP_11
        && has_token(req.headers(), header::CONNECTION, "upgrade")
        && has_token(req.headers(), header::UPGRADE, "websocket")
}

fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Puts back the two hop-by-hop headers that carry the upgrade over this hop.
fn mark_upgrade(headers: &mut HeaderMap) {
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
}

/// Forwards a websocket handshake; on `101` the relay starts and the client gets the `101`.
/// Any other answer (e.g. a `421` the caller retries) goes back as it is, and nothing is upgraded.
pub async fn forward(
    state: &RouterState,
    req: Request,
    client: OnUpgrade,
    hop: &Hop<'_>,
) -> Response {
    let path = req.uri().path().to_owned();
    let Some(permit) = state.sockets.try_open(hop.id, sockets::PER_INSTANCE) else {
        tracing::warn!(instance = %hop.id, "the instance has {} open websockets; refusing another", sockets::PER_INSTANCE);
        return pages::too_many_sockets(&path);
    };
    let (parts, _) = req.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = Request::new(Body::empty());
    let Ok(uri) = target.parse() else {
        return pages::unavailable(&path);
    };
    *upstream.uri_mut() = uri;
    let headers = upstream.headers_mut();
    *headers = parts.headers;
    prepare_headers(headers, hop, state.scheme);
    mark_upgrade(headers);
    if let Ok(host) = HeaderValue::from_str(hop.host) {
        headers.entry(header::HOST).or_insert(host);
    }

    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(hop.endpoint)).await
    {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => {
            tracing::warn!(endpoint = %hop.endpoint, error = %e, "instance not reached for a websocket");
            return pages::not_reached(&path);
        }
        Err(_) => {
            tracing::warn!(endpoint = %hop.endpoint, "instance not reached for a websocket within {CONNECT_TIMEOUT:?}");
            return pages::not_reached(&path);
        }
    };
    let answer = tokio::time::timeout(UPSTREAM_TIMEOUT, handshake(stream, upstream)).await;
    let mut response = match answer {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => {
            tracing::warn!(endpoint = %hop.endpoint, error = format!("{e:#}"), "instance did not answer a websocket handshake");
            return pages::unavailable(&path);
        }
        Err(_) => {
            tracing::warn!(endpoint = %hop.endpoint, "instance did not answer a websocket handshake within {UPSTREAM_TIMEOUT:?}");
            return pages::timed_out(&path);
        }
    };
    let switching = response.status() == StatusCode::SWITCHING_PROTOCOLS;
    let instance = switching.then(|| hyper::upgrade::on(&mut response));
    let (mut parts, body) = response.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    let Some(instance) = instance else {
        return Response::from_parts(parts, Body::new(body));
    };
    mark_upgrade(&mut parts.headers);
    let relay = relay(client, instance, permit, state.stop.clone(), hop.id.clone());
    // An open websocket keeps its instance awake.
    let busy = state.deployer.sleep.busy(hop.id);
    tokio::spawn(async move {
        relay.await;
        drop(busy);
    });
    Response::from_parts(parts, Body::empty())
}

/// Sends the handshake on a fresh connection, which the upgrade then takes over.
async fn handshake(stream: TcpStream, req: Request) -> anyhow::Result<hyper::Response<Incoming>> {
    // Frames are small and wanted at once.
    stream.set_nodelay(true)?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.with_upgrades().await {
            tracing::debug!(error = %e, "websocket handshake connection");
        }
    });
    Ok(sender.send_request(req).await?)
}

async fn relay(
    client: OnUpgrade,
    instance: OnUpgrade,
    permit: Permit,
    stop: CancellationToken,
    id: InstanceId,
) {
    let _permit = permit;
    let (client, instance) = match tokio::try_join!(client, instance) {
        Ok(both) => both,
        Err(e) => {
            tracing::debug!(%id, error = %e, "websocket upgrade did not complete");
            return;
        }
    };
    let (mut client, mut instance) = (TokioIo::new(client), TokioIo::new(instance));
    tokio::select! {
        copied = tokio::io::copy_bidirectional(&mut client, &mut instance) => {
            if let Err(e) = copied {
                tracing::debug!(%id, error = %e, "websocket closed");
            }
        }
        () = stop.cancelled() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::is_websocket;
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::Method;

    fn request(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(method).uri("/");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn a_browsers_websocket_handshake_is_one() {
        let firefox = [
            ("connection", "keep-alive, Upgrade"),
            ("upgrade", "websocket"),
        ];
        assert!(is_websocket(&request(Method::GET, &firefox)));
        let other = [("connection", "upgrade"), ("upgrade", "WebSocket")];
        assert!(is_websocket(&request(Method::GET, &other)));
    }

    #[test]
    fn other_upgrades_and_methods_are_not() {
        let h2c = [
            ("connection", "Upgrade, HTTP2-Settings"),
            ("upgrade", "h2c"),
        ];
        assert!(!is_websocket(&request(Method::GET, &h2c)));
        let no_connection = [("upgrade", "websocket")];
        assert!(!is_websocket(&request(Method::GET, &no_connection)));
        let post = [("connection", "upgrade"), ("upgrade", "websocket")];
        assert!(!is_websocket(&request(Method::POST, &post)));
    }
}
