//! Subdomain → instance lookups, cached briefly and dropped as soon as the instance changes.

use crate::store::{instances, Db, Signal};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Bounds how stale a route can be if a change signal were ever missed.
const TTL: Duration = Duration::from_secs(2);

pub use crate::store::instances::Route;

pub struct RouteCache {
    db: Db,
    entries: Mutex<HashMap<String, (Instant, Option<Route>)>>,
}

impl RouteCache {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            entries: Mutex::default(),
        }
    }

    pub async fn lookup(&self, subdomain: &str) -> anyhow::Result<Option<Route>> {
        if let Some((at, route)) = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(subdomain)
        {
            if at.elapsed() < TTL {
                return Ok(route.clone());
            }
        }
        let route = instances::route(&self.db, subdomain).await?;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(subdomain.to_owned(), (Instant::now(), route.clone()));
        Ok(route)
    }

    /// Drops the cached route of a subdomain, so the next lookup reads the database.
    pub fn forget(&self, subdomain: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(subdomain);
    }

    /// Drops cached routes whose instance changed, and every cached miss (a new instance may now
    /// hold that subdomain).
    pub fn follow_changes(self: Arc<Self>) {
        let mut signals = self.db.signals().subscribe();
        tokio::spawn(async move {
            loop {
                let changed = match signals.recv().await {
                    Ok(Signal::Instance(id)) => Some(id),
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => None,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
                match changed {
                    Some(id) => {
                        entries.retain(|_, (_, route)| route.as_ref().is_some_and(|r| r.id != id))
                    }
                    None => entries.clear(),
                }
            }
        });
    }
}
