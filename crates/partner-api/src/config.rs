//! The settings of `serve`, with their defaults, checked once at start.

use clap::{ArgAction, Args};
use ipnet::IpNet;
use std::net::SocketAddr;

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address of the Partner API.
    #[arg(long, env = "PARTNER_API_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,
    /// Address of the instance router, which serves `{subdomain}.{base-domain}`.
    #[arg(
        long,
        env = "PARTNER_API_ROUTER_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub router_listen: SocketAddr,
    /// Public base domain of instances: an instance is at `{subdomain}.{base-domain}`.
    #[arg(
        long,
        env = "PARTNER_API_BASE_DOMAIN",
        default_value = "inbox.localhost"
    )]
    pub base_domain: String,
    /// Scheme of instance URLs handed to partners (`https` behind a TLS-terminating proxy).
    #[arg(long, env = "PARTNER_API_PUBLIC_SCHEME", default_value = "http", value_parser = ["http", "https"])]
    pub public_scheme: String,
    /// Port of instance URLs handed to partners. Default: the router's port.
    #[arg(long, env = "PARTNER_API_PUBLIC_PORT")]
    pub public_port: Option<u16>,
    /// Run the sandbox: the documented partner `sandbox` with key `LRoWRCjm1bdwlqDjfdYw`, backed by
    /// the built-in emulation of the 360Dialog APIs.
    #[arg(long, env = "PARTNER_API_SANDBOX", default_value_t = true, action = ArgAction::Set,
          num_args = 0..=1, default_missing_value = "true")]
    pub sandbox: bool,
    /// Switch the sandbox off (same as `--sandbox false`).
    #[arg(long)]
    pub no_sandbox: bool,
    /// Networks webhooks may be sent to although they are not public, comma-separated
    /// (e.g. `127.0.0.0/8` for local tests). Production keeps this empty.
    #[arg(
        long,
        env = "PARTNER_API_WEBHOOK_ALLOWED_NETWORKS",
        value_delimiter = ','
    )]
    pub webhook_allowed_networks: Vec<IpNet>,
    /// Requests per second allowed for each partner; 0 switches the limit off.
    #[arg(long, env = "PARTNER_API_RATE_LIMIT", default_value_t = 50)]
    pub rate_limit: u32,
    /// Requests a partner may send at once above its rate before it is told to wait.
    #[arg(long, env = "PARTNER_API_RATE_LIMIT_BURST", default_value_t = 200)]
    pub rate_limit_burst: u32,
    /// Largest number of database connections this process opens.
    #[arg(long, env = "PARTNER_API_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,
}

impl ServeArgs {
    pub fn sandbox_enabled(&self) -> bool {
        self.sandbox && !self.no_sandbox
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        let domain = self.base_domain.trim_matches('.');
        let labels_ok = !domain.is_empty()
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        anyhow::ensure!(
            labels_ok,
            "--base-domain must be a DNS name such as inbox.example.com: {:?}",
            self.base_domain
        );
        Ok(())
    }
}
