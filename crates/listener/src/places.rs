//! The places a connection holds under the caps, in all and per client address, freed when it
//! closes.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Open connections, in all and per client address.
pub(crate) struct Caps {
    slots: Arc<Semaphore>,
    clients: Arc<ClientCounts>,
    per_client: usize,
}

/// A connection's place under both caps.
pub(crate) struct Places {
    _slot: OwnedSemaphorePermit,
    _client: ClientSlot,
}

/// Why a connection was refused.
pub(crate) enum Refusal {
    Full,
    ClientFull,
}

impl Caps {
    pub(crate) fn new(max_connections: usize, max_connections_per_client: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(max_connections)),
            clients: Arc::new(ClientCounts::default()),
            per_client: max_connections_per_client,
        }
    }

    pub(crate) fn enter(&self, ip: IpAddr) -> Result<Places, Refusal> {
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Full)?;
        let client = self
            .clients
            .enter(ip, self.per_client)
            .ok_or(Refusal::ClientFull)?;
        Ok(Places {
            _slot: slot,
            _client: client,
        })
    }
}

/// A connection's stream holding its places: they last as long as the stream does, which an
/// upgrade hands on to the websocket.
pub(crate) struct Placed {
    stream: TcpStream,
    _places: Option<Places>,
}

impl Placed {
    pub(crate) fn new(stream: TcpStream, places: Option<Places>) -> Self {
        Self {
            stream,
            _places: places,
        }
    }
}

impl AsyncRead for Placed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Placed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[derive(Default)]
struct ClientCounts(Mutex<HashMap<IpAddr, usize>>);

/// One open connection of a client address; leaving frees it.
struct ClientSlot {
    counts: Option<Arc<ClientCounts>>,
    ip: IpAddr,
}

impl ClientCounts {
    fn enter(self: &Arc<Self>, ip: IpAddr, cap: usize) -> Option<ClientSlot> {
        if cap == 0 {
            return Some(ClientSlot { counts: None, ip });
        }
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let open = counts.entry(ip).or_default();
        if *open >= cap {
            return None;
        }
        *open += 1;
        Some(ClientSlot {
            counts: Some(self.clone()),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let Some(counts) = &self.counts else { return };
        let mut counts = counts.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = counts.get_mut(&self.ip) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}
