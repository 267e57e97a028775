//! Command line: every flag is also an `INBOX_…` environment variable.

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug, Parser)]
#[command(
    name = "inbox",
    version,
    about = "One single-tenant WhatsApp inbox: API, admin panel and web inbox"
)]
pub struct Cli {
    /// The bootstrap file written by the control plane (JSON, see `bootstrap.rs`).
    #[arg(long, env = "INBOX_BOOTSTRAP")]
    pub bootstrap: PathBuf,

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
}

impl Cli {
    /// The parent whose death stops this process, if any.
    pub fn parent_to_watch(&self) -> Option<u32> {
        self.exit_with_parent.then(|| {
            self.parent_pid
                .unwrap_or_else(std::os::unix::process::parent_id)
        })
    }
}
