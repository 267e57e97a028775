//! Command line: every flag is also an `INBOX_…` environment variable.

use clap::builder::RangedU64ValueParser;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug, Parser)]
#[command(
    name = "inbox",
    version,
    about = "One single-tenant WhatsApp inbox: API, admin panel and web inbox"
)]
pub struct Cli {
    /// The bootstrap file written by the control plane (JSON, see `bootstrap.rs`).
    #[arg(long, env = "INBOX_BOOTSTRAP", required_unless_present = "wipe_data")]
    pub bootstrap: Option<PathBuf>,

    /// Delete everything in `--data-dir` and exit: how the control plane deletes a deleted
    /// instance's data on a Swarm node whose engine it cannot call (see the swarm driver).
    #[arg(long, conflicts_with = "bootstrap")]
    pub wipe_data: bool,

    /// Folder of the instance's data; the database is `inbox.db` in it. Created if missing.
    #[arg(long, env = "INBOX_DATA_DIR")]
    pub data_dir: PathBuf,

    /// Address to serve on; port 0 picks a free port. The chosen address is printed to stdout
    /// as `listening on ADDR` once connections are accepted.
    #[arg(long, env = "INBOX_LISTEN", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,

    /// Stop within a second when the process that started this one dies.
    #[arg(long, env = "INBOX_EXIT_WITH_PARENT")]
    pub exit_with_parent: bool,

    /// With `--exit-with-parent`: the pid the parent must have; if it already differs at start
    /// (the parent died while this process was starting), stop at once. Default: the parent at
    /// start.
    #[arg(long, env = "INBOX_PARENT_PID")]
    pub parent_pid: Option<u32>,

    /// Seconds a client may take to send a request's headers; also how long an idle keep-alive
    /// connection stays open.
    #[arg(
        long,
        env = "INBOX_HEADER_TIMEOUT_SECONDS",
        default_value_t = 10,
        value_parser = RangedU64ValueParser::<u64>::new().range(1..)
    )]
    pub header_timeout_seconds: u64,

    /// Seconds a client may pause while sending a request body.
    #[arg(
        long,
        env = "INBOX_BODY_TIMEOUT_SECONDS",
        default_value_t = 30,
        value_parser = RangedU64ValueParser::<u64>::new().range(1..)
    )]
    pub body_timeout_seconds: u64,

    /// Open connections, websockets included; more are closed at once. An instance serves one
    /// business's team.
    #[arg(
        long,
        env = "INBOX_MAX_CONNECTIONS",
        default_value_t = 512,
        value_parser = RangedU64ValueParser::<usize>::new().range(1..)
    )]
    pub max_connections: usize,

    /// Open connections from one client address; 0 switches the cap off. In production the
    /// control plane's router is the only client, and it caps each of its own clients.
    #[arg(long, env = "INBOX_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 0)]
    pub max_connections_per_client: usize,
}

impl Cli {
    /// The parent whose death stops this process, if any.
    pub fn parent_to_watch(&self) -> Option<u32> {
        self.exit_with_parent.then(|| {
            self.parent_pid
                .unwrap_or_else(std::os::unix::process::parent_id)
        })
    }

    pub fn listener_limits(&self) -> http_listener::Limits {
        http_listener::Limits {
            header_timeout: Duration::from_secs(self.header_timeout_seconds),
            body_timeout: Duration::from_secs(self.body_timeout_seconds),
            max_connections: self.max_connections,
            max_connections_per_client: self.max_connections_per_client,
            // A websocket holds a descriptor as long as a request does, and the push channel's
            // opens before it is signed in.
            count_upgraded: true,
        }
    }
}
