//! Serving a listener with the limits `axum::serve` lacks: a header-read timeout (which also closes
//! idle keep-alive connections), a timeout between body frames, and caps on open connections, in
//! all and per client address. A connection over a cap is accepted and closed at once, so its
//! descriptor is freed and the accept queue keeps moving for everyone else.
//!
//! Shared by the control plane's listeners and every instance's.

#![forbid(unsafe_code)]

mod places;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use places::{Caps, Placed, Places, Refusal};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest wait for a request's headers, from the connection's start or its previous answer.
    pub header_timeout: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_timeout: Duration,
    pub max_connections: usize,
    /// 0: no cap per client address.
    pub max_connections_per_client: usize,
    /// Whether a connection upgraded to a websocket keeps its place under the caps until it
    /// closes; otherwise the upgrade frees it.
    pub count_upgraded: bool,
}

/// Serves `app` until `stop` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) {
    let caps = Caps::new(limits.max_connections, limits.max_connections_per_client);
    // Every connection holds a receiver: the sender tells them to stop, then sees them all gone.
    let (stopping, stop_seen) = watch::channel(false);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, or the client left before accept: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let places = match caps.enter(peer.ip()) {
            Ok(places) => places,
            Err(Refusal::Full) => {
                tracing::warn!(%peer, "connection refused: --max-connections reached");
                continue;
            }
            Err(Refusal::ClientFull) => {
                tracing::warn!(%peer, "connection refused: --max-connections-per-client reached");
                continue;
            }
        };
        let app = app.clone();
        let stop = stop_seen.clone();
        tokio::spawn(connection(stream, peer, app, limits, stop, places));
    }
    // Closed before the wait: a stopping service takes no new connection, not even into the backlog.
    drop(listener);
    drop(stop_seen);
    stopping.send_replace(true);
    stopping.closed().await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    places: Places,
) {
    // Small writes that follow one another (push frames) would otherwise wait for the peer's
    // delayed acknowledgement, about 40 ms.
    let _ = stream.set_nodelay(true);
    let (stream, _places) = if limits.count_upgraded {
        (Placed::new(stream, Some(places)), None)
    } else {
        (Placed::new(stream, None), Some(places))
    };
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let mut req = req.map(|body| Body::new(TimeoutBody::new(limits.body_timeout, body)));
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    let served = tokio::select! {
        served = conn.as_mut() => served,
        () = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = served {
        tracing::debug!(%peer, error = %e, "connection closed");
    }
}

/// Completes once the service stops (or is gone); holds no borrow of the value across an await.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopping| *stopping).await;
}
