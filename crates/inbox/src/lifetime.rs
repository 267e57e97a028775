//! When to stop: SIGTERM, Ctrl-C, or (with `--exit-with-parent`) the death of the parent process,
//! so that a control plane killed with `kill -9` leaves no instance behind.

use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

/// How often the parent is looked for; the instance stops within about this long after it died.
const PARENT_POLL: Duration = Duration::from_millis(200);

/// Resolves when the instance should stop, and says why.
pub async fn stop_requested(exit_with_parent: bool) -> &'static str {
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
        if exit_with_parent {
            parent_gone().await
        } else {
            std::future::pending().await
        }
    };
    tokio::select! {
        _ = terminate => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
        _ = parent => "the parent process died",
    }
}

/// A child whose parent dies is given a new parent (init or a subreaper): a change of the parent
/// id is the sign, and needs no unsafe call.
async fn parent_gone() {
    let parent = std::os::unix::process::parent_id();
    if parent == 1 {
        tracing::warn!("started by init: --exit-with-parent cannot notice anything");
    }
    let mut poll = tokio::time::interval(PARENT_POLL);
    loop {
        poll.tick().await;
        if std::os::unix::process::parent_id() != parent {
            return;
        }
    }
}
