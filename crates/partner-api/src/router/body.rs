//! A request body on its way to an instance: at most [`MAX_BYTES`], and read to its end even
//! when the instance stops reading it.
//!
//! A server that answers before the upload is over and then closes the connection makes most
//! clients report a broken connection instead of the answer. So when the instance (or the
//! router, failing to reach it) is done with a body before its end, the router goes on reading
//! and dropping the rest, within the same limit, and the client reads the answer.

use axum::body::Body;
use axum::http::{header, HeaderMap};
use axum::BoxError;
use http_body_util::BodyExt;
use hyper::body::{Body as HttpBody, Bytes, Frame, SizeHint};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// The largest body an instance reads (a refused upload is still read to its end up to this
/// size), so the largest the router passes on.
pub const MAX_BYTES: u64 = instance_contract::limits::MAX_REQUEST_BODY_BYTES as u64;

/// The longest the router keeps reading a body nobody wants any more.
const DRAIN_FOR: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
#[error("the request body is over {MAX_BYTES} bytes")]
struct TooLarge;

/// Whether a [`Capped`] body went over the limit.
#[derive(Clone, Default)]
pub struct Overflow(Arc<AtomicBool>);

impl Overflow {
    pub fn happened(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The `Content-Length` a request declares, if it declares one that can be read.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Whether a request has a body at all (RFC 9112 §6.3: one is announced by `Content-Length` or
/// `Transfer-Encoding`).
pub fn announced(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || declared_length(headers).is_some_and(|n| n > 0)
}

pub struct Capped {
    inner: Body,
    /// Its `Content-Length`, if it has one.
    length: Option<u64>,
    read: u64,
    ended: bool,
    overflow: Overflow,
}

impl Capped {
    pub fn new(inner: Body, length: Option<u64>) -> (Self, Overflow) {
        let overflow = Overflow::default();
        let capped = Self {
            inner,
            length,
            read: 0,
            ended: false,
            overflow: overflow.clone(),
        };
        (capped, overflow)
    }
}

impl HttpBody for Capped {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(frame) => frame,
        };
        match frame {
            Some(Ok(frame)) => {
                self.read += frame.data_ref().map_or(0, |d| d.len() as u64);
                if self.read > MAX_BYTES {
                    self.ended = true;
                    self.overflow.0.store(true, Ordering::Relaxed);
                    return Poll::Ready(Some(Err(TooLarge.into())));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Some(Err(e)) => {
                self.ended = true;
                Poll::Ready(Some(Err(e.into())))
            }
            None => {
                self.ended = true;
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.length == Some(self.read)
    }

    fn size_hint(&self) -> SizeHint {
        match self.length {
            Some(length) => SizeHint::with_exact(length.saturating_sub(self.read)),
            None => SizeHint::default(),
        }
    }
}

impl Drop for Capped {
    fn drop(&mut self) {
        if self.is_end_stream() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let rest = std::mem::take(&mut self.inner);
        let left = MAX_BYTES.saturating_sub(self.read);
        runtime.spawn(async move {
            let _ = tokio::time::timeout(DRAIN_FOR, drain(rest, left)).await;
        });
    }
}

/// Reads and drops `body` to its end, or until it brings more than `left` bytes.
async fn drain(mut body: Body, mut left: u64) {
    while let Some(Ok(frame)) = body.frame().await {
        let size = frame.data_ref().map_or(0, |d| d.len() as u64);
        let Some(still) = left.checked_sub(size) else {
            return;
        };
        left = still;
    }
}
