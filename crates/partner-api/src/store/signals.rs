//! Wake-ups: "this instance changed", "a job is due", "an event is due".
//!
//! They are hints, never the state: every receiver re-reads the database, so a lost or duplicated
//! signal costs at most a poll interval. On PostgreSQL they are also sent with NOTIFY inside the
//! transaction, so the other replicas hear them when it commits.

use super::Backend;
use crate::domain::InstanceId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, Notify};

pub const PG_CHANNEL: &str = "partner_api";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    Instance(InstanceId),
    Jobs,
    Events,
}

impl Signal {
    pub fn encode(&self) -> String {
        match self {
            Self::Instance(id) => format!("i:{id}"),
            Self::Jobs => "j".into(),
            Self::Events => "e".into(),
        }
    }

    pub fn decode(raw: &str) -> Option<Self> {
        match raw {
            "j" => Some(Self::Jobs),
            "e" => Some(Self::Events),
            _ => raw
                .strip_prefix("i:")
                .and_then(InstanceId::parse)
                .map(Self::Instance),
        }
    }
}

/// Clients waiting for one instance to change, each woken only by its own instance's signals
/// (a thousand long polls must not all wake for every change of every instance).
type Watchers = Arc<Mutex<HashMap<InstanceId, (Arc<Notify>, usize)>>>;

#[derive(Clone)]
pub struct Signals {
    sender: broadcast::Sender<Signal>,
    watchers: Watchers,
    backend: Backend,
}

/// Keeps a watch on one instance registered while it lives.
pub struct InstanceWatch {
    id: InstanceId,
    notify: Arc<Notify>,
    watchers: Watchers,
}

impl InstanceWatch {
    pub fn notify(&self) -> &Notify {
        &self.notify
    }
}

impl Drop for InstanceWatch {
    fn drop(&mut self) {
        let mut watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, count)) = watchers.get_mut(&self.id) {
            *count -= 1;
            if *count == 0 {
                watchers.remove(&self.id);
            }
        }
    }
}

impl Signals {
    pub fn new(backend: Backend) -> Self {
        let (sender, _) = broadcast::channel(4096);
        Self {
            sender,
            watchers: Arc::default(),
            backend,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.sender.subscribe()
    }

    pub fn watch(&self, id: &InstanceId) -> InstanceWatch {
        let mut watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
        let entry = watchers
            .entry(id.clone())
            .or_insert_with(|| (Arc::new(Notify::new()), 0));
        entry.1 += 1;
        InstanceWatch {
            id: id.clone(),
            notify: entry.0.clone(),
            watchers: self.watchers.clone(),
        }
    }

    pub fn send_local(&self, signal: Signal) {
        if let Signal::Instance(id) = &signal {
            let watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((notify, _)) = watchers.get(id) {
                notify.notify_waiters();
            }
        }
        let _ = self.sender.send(signal);
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// After notifications may have been missed (a reconnect): everyone looks again.
    pub fn wake_all(&self) {
        for (notify, _) in self
            .watchers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            notify.notify_waiters();
        }
        let _ = self.sender.send(Signal::Jobs);
        let _ = self.sender.send(Signal::Events);
    }
}

/// Forwards the NOTIFYs of every replica's transactions to this process's signals, so a long
/// poll here answers when another replica changes the instance, and idle workers wake at once.
pub async fn listen_to_postgres(url: String, signals: Signals) {
    use sqlx::postgres::PgListener;
    let mut backoff = std::time::Duration::from_millis(100);
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for changes on PostgreSQL; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(std::time::Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) = listener.listen(PG_CHANNEL).await {
            tracing::warn!(error = %e, "LISTEN failed; retrying");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = std::time::Duration::from_millis(100);
        signals.wake_all();
        // Ends when the connection drops: reconnect, then make everyone look again.
        while let Ok(Some(notification)) = listener.try_recv().await {
            if let Some(signal) = Signal::decode(notification.payload()) {
                signals.send_local(signal);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_round_trip_through_their_notify_payload() {
        let id = InstanceId::generate();
        for signal in [Signal::Instance(id), Signal::Jobs, Signal::Events] {
            assert_eq!(Signal::decode(&signal.encode()), Some(signal));
        }
        assert_eq!(Signal::decode("i:nope"), None);
    }

    #[tokio::test]
    async fn a_watch_wakes_for_its_own_instance_only_and_unregisters_when_dropped() {
        let signals = Signals::new(Backend::Sqlite);
        let (a, b) = (InstanceId::generate(), InstanceId::generate());
        let watch = signals.watch(&a);
        let wait = std::time::Duration::from_millis(50);
        {
            let woken = watch.notify().notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            signals.send_local(Signal::Instance(b));
            assert!(tokio::time::timeout(wait, woken.as_mut()).await.is_err());
            signals.send_local(Signal::Instance(a.clone()));
            assert!(tokio::time::timeout(wait, woken).await.is_ok());
        }
        drop(watch);
        assert!(signals.watchers.lock().unwrap().is_empty());
    }
}
