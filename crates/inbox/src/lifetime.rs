//! When to stop: SIGTERM, Ctrl-C, or (with `--exit-with-parent`) the death of the parent process,
//! so that a control plane killed with `kill -9` leaves no instance behind.

use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

/// How often the parent is looked for; the instance stops within about this long after it died.
const PARENT_POLL: Duration = Duration::from_millis(200);

/// Resolves when the instance should stop, and says why.
pub async fn stop_requested(parent_to_watch: Option<u32>) -> &'static str {
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    let parent = async {
        match parent_to_watch {
            Some(parent) => parent_gone(parent).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = terminate => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
        _ = parent => "the parent process died",
    }
}

/// A child whose parent dies is given a new parent (init or a subreaper): a change of the parent
/// id is the sign, and needs no unsafe call. The first look is immediate.
async fn parent_gone(parent: u32) {
    if parent == 1 {
        tracing::warn!("the parent is init: --exit-with-parent cannot notice anything");
    }
    let mut poll = tokio::time::interval(PARENT_POLL);
    loop {
        poll.tick().await;
        if std::os::unix::process::parent_id() != parent {
            return;
        }
    }
}
