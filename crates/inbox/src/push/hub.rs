use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

/// How many frames a slow socket may fall behind before it is closed (its client reconnects and
/// reads what it missed from the API).
const BACKLOG: usize = 1024;

/// Fans frames out to the connected sockets. Cloning shares the same channel.
#[derive(Clone)]
pub struct Hub {
    frames: broadcast::Sender<Arc<str>>,
    connected: Arc<AtomicUsize>,
    /// The SHA-256 (hex) of each web session that ends: its page sockets close.
    ended_sessions: broadcast::Sender<Arc<str>>,
}

impl Default for Hub {
    fn default() -> Self {
        let (frames, _) = broadcast::channel(BACKLOG);
        let (ended_sessions, _) = broadcast::channel(BACKLOG);
        Self {
            frames,
            connected: Arc::default(),
            ended_sessions,
        }
    }
}

impl Hub {
    /// A Cloud API webhook body exactly as 360Dialog sent it.
    pub fn waba_webhook(&self, body: &Value) {
        self.publish(&json!({"type": "waba_webhook", "waba_payload": body}));
    }

    /// Messages this instance sent (get.chat's `outgoing_messages`).
    pub fn outgoing_messages(&self, messages: Vec<Value>) {
        self.getchat_webhook(json!({ "outgoing_messages": messages }));
    }

    /// A change of the instance itself, e.g. `{"chat_resolved": …}`.
    pub fn getchat_webhook(&self, payload: Value) {
        self.publish(&json!({"type": "getchat_webhook", "waba_payload": payload}));
    }

    /// The frames published from now on, without counting as a connection.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.frames.subscribe()
    }

    /// An authenticated socket joins: it receives the frames published from now on and counts
    /// in [`Hub::connections`] until the returned subscription is dropped.
    pub fn connect(&self) -> Connection {
        self.connected.fetch_add(1, Ordering::Relaxed);
        Connection {
            frames: self.frames.subscribe(),
            connected: Arc::clone(&self.connected),
        }
    }

    /// A web session ended (sign-out): the page sockets it opened are closed.
    pub fn session_ended(&self, session_sha256: &str) {
        let _ = self.ended_sessions.send(Arc::from(session_sha256));
    }

    /// The web sessions that end from now on.
    pub fn ended_sessions(&self) -> broadcast::Receiver<Arc<str>> {
        self.ended_sessions.subscribe()
    }

    /// Authenticated sockets connected now.
    pub fn connections(&self) -> usize {
        self.connected.load(Ordering::Relaxed)
    }

    fn publish(&self, frame: &Value) {
        // No receiver is not an error: nobody is looking.
        let _ = self.frames.send(Arc::from(frame.to_string()));
    }
}

/// One authenticated socket's place in the hub.
pub struct Connection {
    frames: broadcast::Receiver<Arc<str>>,
    connected: Arc<AtomicUsize>,
}

impl Connection {
    /// The next frame; `Lagged` when the socket fell more than the backlog behind.
    pub async fn next(&mut self) -> Result<Arc<str>, RecvError> {
        self.frames.recv().await
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.connected.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_counts_until_it_is_dropped_and_subscribers_never_count() {
        let hub = Hub::default();
        let _watcher = hub.subscribe();
        let first = hub.connect();
        let second = hub.clone().connect();
        assert_eq!(hub.connections(), 2);
        drop(first);
        assert_eq!(hub.connections(), 1);
        drop(second);
        assert_eq!(hub.connections(), 0);
    }

    #[tokio::test]
    async fn a_connection_receives_what_is_published_after_it_joined() {
        let hub = Hub::default();
        hub.getchat_webhook(json!({"before": true}));
        let mut connection = hub.connect();
        hub.waba_webhook(&json!({"object": "whatsapp_business_account"}));
        let frame = connection.next().await.expect("a frame");
        let frame: Value = serde_json::from_str(&frame).expect("JSON");
        assert_eq!(
            frame,
            json!({"type": "waba_webhook", "waba_payload": {"object": "whatsapp_business_account"}})
        );
    }

    #[tokio::test]
    async fn a_connection_that_falls_behind_the_backlog_learns_it_lagged() {
        let hub = Hub::default();
        let mut connection = hub.connect();
        for n in 0..=BACKLOG {
            hub.getchat_webhook(json!({ "n": n }));
        }
        assert!(matches!(connection.next().await, Err(RecvError::Lagged(_))));
    }
}
