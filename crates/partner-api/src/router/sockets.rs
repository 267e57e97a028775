//! Counts the upgraded connections (websockets) the router holds open for each instance.

use crate::domain::InstanceId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Open websockets one instance may have through the router, handshakes included. An instance
/// serves one team (a browser tab holds one socket), so this is far above real use; it stops one
/// instance's clients from holding thousands of the router's file descriptors (two per socket)
/// that every other instance's traffic needs too.
pub const PER_INSTANCE: usize = 1_000;

#[derive(Default)]
pub struct OpenSockets {
    open: Mutex<HashMap<InstanceId, usize>>,
}

/// One open socket of an instance; dropping it closes the count.
pub struct Permit {
    sockets: Arc<OpenSockets>,
    id: InstanceId,
}

impl OpenSockets {
    /// A permit, unless the instance already has `limit` sockets open.
    pub fn try_open(self: &Arc<Self>, id: &InstanceId, limit: usize) -> Option<Permit> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(id.clone()).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Permit {
            sockets: self.clone(),
            id: id.clone(),
        })
    }

    #[cfg(test)]
    fn count(&self, id: &InstanceId) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(id).copied().unwrap_or(0)
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = self.sockets.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_at_its_limit_gets_no_more_until_one_closes() {
        let sockets = Arc::new(OpenSockets::default());
        let a = InstanceId::parse("0123456789abcdef0123456789abcdef").unwrap();
        let b = InstanceId::parse("fedcba9876543210fedcba9876543210").unwrap();
        let first = sockets.try_open(&a, 2).unwrap();
        let _second = sockets.try_open(&a, 2).unwrap();
        assert!(sockets.try_open(&a, 2).is_none());
        assert!(
            sockets.try_open(&b, 2).is_some(),
            "another instance is not affected"
        );
        drop(first);
        assert_eq!(sockets.count(&a), 1);
        assert!(sockets.try_open(&a, 2).is_some());
    }

    #[test]
    fn the_count_of_an_instance_without_sockets_is_dropped() {
        let sockets = Arc::new(OpenSockets::default());
        let a = InstanceId::parse("0123456789abcdef0123456789abcdef").unwrap();
        drop(sockets.try_open(&a, 1));
        assert!(sockets
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty());
    }
}
