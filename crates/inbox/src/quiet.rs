//! Gives memory back while the instance is quiet. A second after its last request ends, the code
//! pages it faulted in (its binary's and its libraries'), SQLite's page cache and the allocator's
//! free memory go back to the system; the next request maps the code again in well under a
//! millisecond. Most instances wait for their next request most of the day, and this is what keeps
//! a waiting one small.

use crate::state::AppState;
use crate::store::Store;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use working_set::StartupFiles;

/// How long no request may have run before the memory goes back.
pub const QUIET: Duration = Duration::from_secs(1);

/// The instance's requests, as far as being quiet goes.
#[derive(Default)]
pub struct Activity {
    started: AtomicU64,
    in_flight: AtomicUsize,
    woken: Notify,
}

impl Activity {
    fn quiet_since(&self, started: u64) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
            && self.started.load(Ordering::Acquire) == started
    }
}

/// Counts every request in and out (a dropped one too).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let activity = &state.activity;
    activity.started.fetch_add(1, Ordering::AcqRel);
    activity.in_flight.fetch_add(1, Ordering::AcqRel);
    activity.woken.notify_one();
    let _done = InFlight(activity);
    next.run(request).await
}

struct InFlight<'a>(&'a Activity);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Gives memory back after start-up and after every busy spell, once it has been quiet for
/// [`QUIET`]; between spells it waits without waking.
pub fn start(activity: Arc<Activity>, store: Store, files: StartupFiles) {
    tokio::spawn(async move {
        loop {
            let last_seen = loop {
                let started = activity.started.load(Ordering::Acquire);
                tokio::time::sleep(QUIET).await;
                if activity.quiet_since(started) {
                    break started;
                }
            };
            give_back(&store, &files).await;
            // A wake-up left over from the spell just given back is no new request.
            while activity.started.load(Ordering::Acquire) == last_seen {
                activity.woken.notified().await;
            }
        }
    });
}

async fn give_back(store: &Store, files: &StartupFiles) {
    if let Err(e) = store.shrink_memory().await {
        tracing::warn!(
            error = format!("{e:#}"),
            "cannot shrink SQLite's page cache"
        );
    }
    match working_set::release(files) {
        Ok(released) => tracing::debug!(code_kib = released.code_kib, "memory given back"),
        Err(e) => tracing::warn!(error = %e, "cannot give code pages back"),
    }
}
