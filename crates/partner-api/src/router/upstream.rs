//! The router's connections to instances.
//!
//! An instance refuses a body it will not take (`413`) without reading the rest, and closes the
//! connection after its answer. Two things went wrong with that, each turning the `413` into a
//! `502` now and then:
//! - the router, still sending the body, failed its next write (broken pipe) and reported that
//!   instead of the answer already waiting on the connection. Here a write to an instance that
//!   has gone away counts as done, so the answer is read; when the instance sent none, reading
//!   fails and the router says so as before.
//! - when the whole body fit in the socket buffers, the router saw the answer, not yet the close
//!   (the answer does not say `Connection: close`), and put the connection back in the pool for
//!   the next request to fail on. A request with a body therefore has a connection of its own.

use axum::body::Body;
use axum::extract::Request;
use axum::BoxError;
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::legacy::{Client, ResponseFuture};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use std::io::{self, ErrorKind, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

#[derive(Clone)]
pub struct Instances {
    /// For requests without a body.
    pooled: Client<Connector, Body>,
    /// For requests with one: each connection carries one request.
    single_use: Client<Connector, Body>,
}

impl Instances {
    pub fn new() -> Self {
        let builder = || Client::builder(TokioExecutor::new());
        Self {
            pooled: builder().build(Connector::new()),
            single_use: builder().pool_max_idle_per_host(0).build(Connector::new()),
        }
    }

    pub fn request(&self, req: Request, has_body: bool) -> ResponseFuture {
        if has_body {
            self.single_use.request(req)
        } else {
            self.pooled.request(req)
        }
    }
}

/// Opens [`Upstream`] connections; otherwise the connector `build_http` would use.
#[derive(Clone)]
struct Connector(HttpConnector);

impl Connector {
    fn new() -> Self {
        let mut http = HttpConnector::new();
        // What `Client::builder().build_http()` sets: the pool's idle timeout.
        http.set_keepalive(Some(Duration::from_secs(90)));
        Self(http)
    }
}

impl tower::Service<Uri> for Connector {
    type Response = TokioIo<Upstream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.0.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.0.call(uri);
        Box::pin(async move {
            // The name's lookup included: on a swarm, a service whose node just went away is
            // no longer known to the embedded DNS, which then asks upstream servers and waits.
            let tcp = tokio::time::timeout(super::CONNECT_TIMEOUT, connecting)
                .await
                .map_err(|_| {
                    io::Error::new(
                        ErrorKind::TimedOut,
                        "no connection within the connect timeout",
                    )
                })??
                .into_inner();
            Ok(TokioIo::new(Upstream {
                tcp,
                peer_gone: false,
            }))
        })
    }
}

/// A connection to an instance whose writes succeed, unread, once the instance has closed it.
pub struct Upstream {
    tcp: TcpStream,
    peer_gone: bool,
}

impl Upstream {
    /// `written` unless the write failed because the instance is gone.
    fn written<T>(&mut self, result: io::Result<T>, written: T) -> io::Result<T> {
        match result {
            Err(e) if matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset) => {
                tracing::debug!(error = %e, "the instance closed the connection; reading its answer");
                self.peer_gone = true;
                Ok(written)
            }
            other => other,
        }
    }
}

impl Connection for Upstream {
    fn connected(&self) -> Connected {
        self.tcp.connected()
    }
}

impl AsyncRead for Upstream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upstream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.peer_gone {
            return Poll::Ready(Ok(buf.len()));
        }
        let result = ready!(Pin::new(&mut self.tcp).poll_write(cx, buf));
        Poll::Ready(self.written(result, buf.len()))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let all = bufs.iter().map(|b| b.len()).sum();
        if self.peer_gone {
            return Poll::Ready(Ok(all));
        }
        let result = ready!(Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs));
        Poll::Ready(self.written(result, all))
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.peer_gone {
            return Poll::Ready(Ok(()));
        }
        let result = ready!(Pin::new(&mut self.tcp).poll_flush(cx));
        Poll::Ready(self.written(result, ()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.peer_gone {
            return Poll::Ready(Ok(()));
        }
        let result = ready!(Pin::new(&mut self.tcp).poll_shutdown(cx));
        Poll::Ready(self.written(result, ()))
    }
}
