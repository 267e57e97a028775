//! Wake-ups: "this instance changed", "a job is due", "an event is due".
//!
//! They are hints, never the state: every receiver re-reads the database, so a lost or duplicated
//! signal costs at most a poll interval. On PostgreSQL they are also sent with NOTIFY inside the
//! transaction, so the other replicas hear them when it commits.

use super::Backend;
use crate::domain::InstanceId;
use tokio::sync::broadcast;

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

#[derive(Clone)]
pub struct Signals {
    sender: broadcast::Sender<Signal>,
    backend: Backend,
}

impl Signals {
    pub fn new(backend: Backend) -> Self {
        let (sender, _) = broadcast::channel(4096);
        Self { sender, backend }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.sender.subscribe()
    }

    pub fn send_local(&self, signal: Signal) {
        let _ = self.sender.send(signal);
    }

    pub fn backend(&self) -> Backend {
        self.backend
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
}
