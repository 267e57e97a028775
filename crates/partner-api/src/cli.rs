//! The command line: every setting is a flag with an environment variable beside it.

use crate::config::ServeArgs;
use crate::crypto::SecretBox;
use crate::store::Db;
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "partner-api",
    version,
    about = "Deploys one single-tenant inbox per WhatsApp business number (get.chat Partner API compatible)"
)]
pub struct Cli {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Log format: `text` for people, `json` for log collectors. Tune verbosity with RUST_LOG.
    #[arg(long, env = "PARTNER_API_LOG_FORMAT", default_value = "text", global = true, value_parser = ["text", "json"])]
    pub log_format: String,
    #[command(subcommand)]
    pub command: Command,
}

const DEFAULT_DATABASE_FILE: &str = "partner-api.db";

/// A folder the operator gave us but does not let us change is used as it is, with a warning.
fn restrict_to_owner(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(error = %e, path = %path.display(), "cannot restrict to the owner");
    }
}

/// Where the state lives; shared by `serve` and the operator commands.
#[derive(Debug, Args, Clone)]
pub struct StorageArgs {
    /// Directory for the SQLite database, the generated secret key, instance data and the e-mail outbox.
    #[arg(
        long,
        env = "PARTNER_API_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Database of record, `sqlite://…` or `postgres://…`. Default: `<data-dir>/partner-api.db` (SQLite, WAL).
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Key sealing secrets at rest: 32 bytes in base64. Default: generated once into `<data-dir>/secret.key`.
    /// Every process sharing one database needs the same key.
    #[arg(
        long,
        env = "PARTNER_API_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
    /// A file holding `--secret-key` (a Swarm or Kubernetes secret), read at start.
    #[arg(
        long,
        env = "PARTNER_API_SECRET_KEY_FILE",
        global = true,
        conflicts_with = "secret_key"
    )]
    pub secret_key_file: Option<PathBuf>,
}

impl StorageArgs {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join(DEFAULT_DATABASE_FILE).display()
            )
        })
    }

    /// Creates the data directory if needed, then opens and migrates the database.
    pub async fn open(&self, max_connections: u32) -> anyhow::Result<Db> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating the data directory {}", self.data_dir.display()))?;
        // The folder holds the secret key, the database, instances' files and the e-mail outbox.
        restrict_to_owner(&self.data_dir, 0o700);
        let from_file = match &self.secret_key_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading the secret key file {}", path.display()))?
                    .trim()
                    .to_owned(),
            ),
            None => None,
        };
        let key = from_file.as_deref().or(self.secret_key.as_deref());
        let secrets = SecretBox::load_or_create(key, &self.data_dir)?;
        let db = Db::connect(&self.database_url(), secrets, max_connections).await?;
        if self.database_url.is_none() {
            restrict_to_owner(&self.data_dir.join(DEFAULT_DATABASE_FILE), 0o600);
        }
        Ok(db)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Partner API, its workers and the instance router.
    Serve(Box<ServeArgs>),
    /// Partners: who may use the API.
    #[command(subcommand)]
    Partners(PartnersCommand),
    /// API keys of partners.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The sandbox's emulation of 360Dialog.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// The container image instances run from, for `--driver docker` and `--driver swarm`.
    #[command(subcommand)]
    Images(ImagesCommand),
    /// Exit 0 if `URL` answers 2xx within 5 s, else 1: a container health check for images
    /// that hold no `curl`.
    Probe {
        /// E.g. `http://127.0.0.1:8000/`.
        url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// Build the instance image from the `inbox` binary into the Docker engine at `DOCKER_HOST`
    /// (default: the local socket) and print its tag. Does nothing if the same image is there.
    Build {
        /// The `inbox` binary to put in the image. Default: `inbox` next to this executable.
        #[arg(long, env = "PARTNER_API_INBOX_BIN")]
        inbox_bin: Option<PathBuf>,
        /// The image's name. Default: `partner-api/inbox:<version of partner-api>`, which
        /// `--container-image` of `serve` also defaults to (`partner-api/control-plane:<version>`
        /// with `--control-plane`).
        #[arg(long)]
        tag: Option<String>,
        /// Build the control plane's image instead, from this executable: what `deploy/stack.yml`
        /// runs.
        #[arg(long)]
        control_plane: bool,
        /// A Docker engine to put the image on (`unix://…` or `tcp://…`); repeat it for each node
        /// of a swarm. The image is built in the first and copied to the others, and each swarm
        /// node among them is labelled as holding it: instances are placed only on such nodes.
        /// Default: `DOCKER_HOST`, else the local socket.
        #[arg(long = "engine", value_name = "DOCKER_HOST")]
        engines: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Print a fresh 360Dialog API key for a sandbox channel (its last word). Like a real one, it
    /// revokes the channel's previous key.
    D360Key {
        channel_id: String,
        /// Where `serve` runs.
        #[arg(long, env = "PARTNER_API_URL", default_value = "http://127.0.0.1:8000")]
        api_url: String,
    },
    /// Send a text from a simulated customer to a sandbox channel: the Cloud API webhook goes to
    /// the URL the channel registered. Prints `{"id","status"}` (the status the webhook got).
    Inbound {
        channel_id: String,
        /// The customer's WhatsApp number, digits.
        #[arg(long)]
        from: String,
        /// The customer's profile name. Default: the number.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        text: String,
    },
    /// Print, as JSON, every message a sandbox channel's key sent, oldest first.
    Sent { channel_id: String },
}

#[derive(Debug, Subcommand)]
pub enum PartnersCommand {
    /// Create a partner and print its first API key (shown once).
    Add {
        partner_id: String,
        /// Let this partner register webhooks on loopback addresses (local testing only; keep off in production).
        #[arg(long)]
        allow_loopback_webhooks: bool,
    },
    /// Set how the platform reaches 360Dialog for this partner (the API key is stored sealed).
    SetHub {
        partner_id: String,
        /// Base URL of the hub (partner) API.
        #[arg(long, default_value = "https://hub.360dialog.io/api/v2")]
        hub_url: String,
        /// The partner's id at 360Dialog.
        #[arg(long)]
        hub_partner_id: String,
        /// The partner's hub API key.
        #[arg(long, env = "PARTNER_API_HUB_API_KEY", hide_env_values = true)]
        hub_api_key: String,
        /// Base URL of the messaging API.
        #[arg(long, default_value = "https://waba-v2.360dialog.io")]
        messaging_url: String,
    },
    /// List partners with their key and instance counts.
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print a new API key for a partner (shown once).
    Add { partner_id: String },
    /// Revoke a key by its id (`key_…`), the prefix `keys list` shows, or the whole key. Takes effect at once.
    Revoke { key: String },
    /// List keys (never the keys themselves).
    List { partner_id: Option<String> },
}
