//! The process limits `serve` needs: every instance behind the router holds descriptors (its
//! connections, a child's pipes) and, with the process driver, a process of its own.

use nix::sys::resource::{getrlimit, setrlimit, Resource};

/// What one machine is sized for (most of them asleep).
pub const PLANNED_INSTANCES: u64 = 10_000;

/// Raises the soft limits of open files and processes to their hard limits, which an
/// unprivileged process may do. Says which limit stays low, and how to raise it, when the hard
/// limit itself is below what `wanted_instances` instances need if all were awake.
pub fn raise(wanted_instances: u64) {
    // An instance costs the router a connection to it and the process driver a pipe while it is
    // awake, and nothing while it sleeps; a busy one more for its open requests and websockets.
    raise_one(
        Resource::RLIMIT_NOFILE,
        "open files (ulimit -n)",
        wanted_instances * 2,
    );
    raise_one(
        Resource::RLIMIT_NPROC,
        "processes (ulimit -u)",
        wanted_instances,
    );
}

fn raise_one(resource: Resource, name: &str, wanted: u64) {
    let Ok((soft, hard)) = getrlimit(resource) else {
        return;
    };
    if soft < hard {
        match setrlimit(resource, hard, hard) {
            Ok(()) => tracing::debug!(limit = name, from = soft, to = hard, "raised"),
            Err(e) => tracing::warn!(limit = name, error = %e, "cannot raise"),
        }
    }
    if hard < wanted {
        tracing::warn!(
            limit = name,
            hard,
            wanted,
            "the system's limit of {name} is {hard}, below the {wanted} that many awake instances \
             need; raise it (systemd: LimitNOFILE=/LimitNPROC=, Docker: --ulimit) or let idle \
             instances sleep (--instance-idle-seconds)"
        );
    }
}
