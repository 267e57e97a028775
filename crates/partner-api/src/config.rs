//! The settings of `serve`, with their defaults, checked once at start.

use crate::delivery::mail::SmtpUrl;
use crate::delivery::schedule::{parse_seconds, RetrySchedule};
use crate::deploy::driver::{SharedVolumes, SwarmReach, VolumeOption};
use clap::{ArgAction, Args, ValueEnum};
use instance_contract::bootstrap::FrontEndBootstrap;
use instance_contract::origin::AllowedOrigin;
use ipnet::IpNet;
use lettre::message::Mailbox;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DriverKind {
    /// Each instance is an `inbox` child process on a loopback port (the embedded default).
    Process,
    /// Each instance is a container on the Docker engine at `DOCKER_HOST` (default: the local
    /// socket), published on 127.0.0.1 of that host.
    Docker,
    /// Each instance is a one-replica service on the Docker Swarm this engine manages.
    Swarm,
}

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
    /// Where instances reach this control plane's sandbox (its emulated 360Dialog messaging
    /// API), as `http://host:port`. Default: the API's own address, which instances on this
    /// machine reach; instances in containers elsewhere need a name of the control plane they
    /// can resolve (`deploy/stack.yml`: `http://partner-api:8000`).
    #[arg(long, env = "PARTNER_API_SANDBOX_ORIGIN", value_parser = parse_sandbox_origin)]
    pub sandbox_origin: Option<String>,
    /// Networks webhooks may be sent to although they are not public, comma-separated
    /// (e.g. `127.0.0.0/8` for local tests). Production keeps this empty.
    #[arg(
        long,
        env = "PARTNER_API_WEBHOOK_ALLOWED_NETWORKS",
        value_delimiter = ','
    )]
    pub webhook_allowed_networks: Vec<IpNet>,
    /// Proxies in front of the instance router (CIDRs, comma-separated) whose `X-Forwarded-For` is
    /// believed; a client's own header never is. Empty: the peer is the client.
    #[arg(long, env = "PARTNER_API_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpNet>,
    /// Requests per second allowed for each partner; 0 switches the limit off.
    #[arg(long, env = "PARTNER_API_RATE_LIMIT", default_value_t = 50)]
    pub rate_limit: u32,
    /// Requests a partner may send at once above its rate before it is told to wait.
    #[arg(long, env = "PARTNER_API_RATE_LIMIT_BURST", default_value_t = 200)]
    pub rate_limit_burst: u32,
    /// Seconds a client may take to send a request's headers (also how long an idle keep-alive
    /// connection stays open), on the Partner API and the instance router.
    #[arg(long, env = "PARTNER_API_HEADER_TIMEOUT_SECONDS", default_value_t = 10)]
    pub header_timeout_seconds: u64,
    /// Seconds a client may pause while sending a request body.
    #[arg(long, env = "PARTNER_API_BODY_TIMEOUT_SECONDS", default_value_t = 30)]
    pub body_timeout_seconds: u64,
    /// Open connections each listener accepts; more are closed at once.
    #[arg(long, env = "PARTNER_API_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Open connections the instance router accepts from one client address; 0 switches the cap
    /// off (behind a proxy every client has the proxy's address).
    #[arg(
        long,
        env = "PARTNER_API_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 256
    )]
    pub max_connections_per_client: usize,
    /// Largest number of database connections this process opens.
    #[arg(long, env = "PARTNER_API_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,
    /// Where instances run.
    #[arg(long, env = "PARTNER_API_DRIVER", value_enum, default_value_t = DriverKind::Process)]
    pub driver: DriverKind,
    /// The image of instance containers (docker and swarm drivers); `partner-api images build` makes it.
    #[arg(long, env = "PARTNER_API_CONTAINER_IMAGE", default_value_t = crate::images::default_tag())]
    pub container_image: String,
    /// Memory limit of each instance container in MiB (docker and swarm drivers).
    #[arg(long, env = "PARTNER_API_CONTAINER_MEMORY_MB", default_value_t = 64)]
    pub container_memory_mb: u64,
    /// CPU limit of each instance container, in CPUs (docker and swarm drivers).
    #[arg(long, env = "PARTNER_API_CONTAINER_CPUS", default_value_t = 0.5)]
    pub container_cpus: f64,
    /// The attachable overlay network instance services join (swarm driver); created if missing.
    #[arg(
        long,
        env = "PARTNER_API_SWARM_NETWORK",
        default_value = "partner-api-instances"
    )]
    pub swarm_network: String,
    /// How the control plane reaches instance services (swarm driver): `gateway` through this
    /// node's `docker_gwbridge` (running on a manager's host: one node), `overlay` by service name
    /// over `--swarm-network` (running as a service on that network: `deploy/stack.yml`).
    #[arg(long, env = "PARTNER_API_SWARM_REACH", value_enum, default_value_t = SwarmReach::Gateway)]
    pub swarm_reach: SwarmReach,
    /// A volume driver whose volumes every node sees the same (swarm driver): shared storage,
    /// such as `local` with NFS options or a volume plugin. Instances created while it is set
    /// are not pinned to a node and move when theirs is drained or goes down; without it each
    /// instance stays on the node its volume was made on.
    #[arg(long, env = "PARTNER_API_SWARM_VOLUME_DRIVER")]
    pub swarm_volume_driver: Option<String>,
    /// An option of `--swarm-volume-driver`, `KEY=VALUE` (repeat it, or separate them with `;` in the
    /// environment variable); `{volume}` in a value is the instance's volume name, e.g.
    /// `device=:/exports/{volume}`.
    #[arg(
        long = "swarm-volume-opt",
        env = "PARTNER_API_SWARM_VOLUME_OPTS",
        value_delimiter = ';'
    )]
    pub swarm_volume_opts: Vec<String>,
    /// The `inbox` binary the process driver runs. Default: `inbox` next to this executable.
    #[arg(long, env = "PARTNER_API_INBOX_BIN")]
    pub inbox_bin: Option<PathBuf>,
    /// Deployment jobs run at once by this process; 0: none (another replica runs them).
    #[arg(long, env = "PARTNER_API_DEPLOY_WORKERS", default_value_t = 8)]
    pub deploy_workers: usize,
    /// Seconds a worker holds a job, or an event it is delivering, without a heartbeat; after that
    /// another worker takes it over (a crashed process's work resumes).
    #[arg(long, env = "PARTNER_API_JOB_LEASE_SECONDS", default_value_t = 30)]
    pub job_lease_seconds: u64,
    /// Runs of a job that hit transient failures (360Dialog down, an instance that will not start) before it gives up.
    #[arg(long, env = "PARTNER_API_JOB_MAX_ATTEMPTS", default_value_t = 6)]
    pub job_max_attempts: i64,
    /// First retry delay of a job in milliseconds; each further one doubles, up to a minute.
    #[arg(long, env = "PARTNER_API_JOB_RETRY_BASE_MS", default_value_t = 1000)]
    pub job_retry_base_ms: u64,
    /// Origins whose pages may call every instance's API from a browser (CORS), comma-separated
    /// `scheme://host[:port]`, e.g. `https://app.example.com`; none by default. Applied to running
    /// instances when the service starts again.
    #[arg(long, env = "PARTNER_API_INSTANCE_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub instance_cors_origins: Vec<AllowedOrigin>,
    /// A folder of static files (a built single-page app) every instance serves at its own
    /// origin, with `index.html` for the app's paths and a `config.json` naming the instance's API
    /// unless the folder has one. Containers get it mounted read-only. None by default.
    #[arg(long, env = "PARTNER_API_INSTANCE_WEB_ROOT")]
    pub instance_web_root: Option<PathBuf>,
    /// Seconds a new instance may take to answer its health check before the deployment fails with 704.
    #[arg(
        long,
        env = "PARTNER_API_INSTANCE_HEALTH_TIMEOUT_SECONDS",
        default_value_t = 60
    )]
    pub instance_health_timeout_seconds: u64,
    /// Seconds between two reconciliations of running instances with the database.
    #[arg(
        long,
        env = "PARTNER_API_RECONCILE_INTERVAL_SECONDS",
        default_value_t = 5
    )]
    pub reconcile_interval_seconds: u64,
    /// Seconds between two checks of each ready instance's 360Dialog key (sooner when the instance
    /// reports that 360Dialog refused it); a rejected key puts a 702 on the instance. 0: off.
    #[arg(
        long,
        env = "PARTNER_API_D360_KEY_CHECK_SECONDS",
        default_value_t = 600
    )]
    pub d360_key_check_seconds: u64,
    /// Seconds after which a ready instance with no request, no open websocket and no pending
    /// work is stopped (it wakes on its next request). 0: never.
    #[arg(long, env = "PARTNER_API_INSTANCE_IDLE_SECONDS", default_value_t = 300)]
    pub instance_idle_seconds: u64,
    /// Hours an activation link works.
    #[arg(long, env = "PARTNER_API_ACTIVATION_TTL_HOURS", default_value_t = 168)]
    pub activation_ttl_hours: u64,
    /// Seconds a call to 360Dialog may take.
    #[arg(long, env = "PARTNER_API_D360_TIMEOUT_SECONDS", default_value_t = 15)]
    pub d360_timeout_seconds: u64,
    /// Seconds before each retry of an event whose attempt failed, comma-separated, decimals
    /// allowed; each delay varies by ±20 %. After the last one the event is `failed`.
    #[arg(
        long,
        env = "PARTNER_API_WEBHOOK_RETRY_SCHEDULE",
        default_value = "5,300,1800,7200,18000,36000,36000"
    )]
    pub webhook_retry_schedule: RetrySchedule,
    /// Seconds one delivery attempt (webhook or SMTP session) may take; decimals allowed.
    #[arg(long, env = "PARTNER_API_WEBHOOK_TIMEOUT", default_value = "15", value_parser = parse_seconds)]
    pub webhook_timeout: Duration,
    /// Most delivery attempts in flight at once in this process.
    #[arg(long, env = "PARTNER_API_DELIVERY_CONCURRENCY", default_value_t = 64)]
    pub delivery_concurrency: usize,
    /// SMTP server of the activation e-mail: `smtps://user:pass@host` (implicit TLS),
    /// `smtp://user:pass@host:587` (STARTTLS required), `smtp://127.0.0.1:2525` (plain on loopback);
    /// `?tls=required|opportunistic|none` overrides. Default: `.eml` files in `<data-dir>/outbox`.
    #[arg(long, env = "PARTNER_API_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<SmtpUrl>,
    /// Sender of the activation e-mail.
    #[arg(
        long,
        env = "PARTNER_API_MAIL_FROM",
        default_value = "Inbox <no-reply@inbox.localhost>"
    )]
    pub mail_from: Mailbox,
}

impl ServeArgs {
    pub fn sandbox_enabled(&self) -> bool {
        self.sandbox && !self.no_sandbox
    }

    pub fn deploy_settings(&self) -> crate::deploy::DeploySettings {
        crate::deploy::DeploySettings {
            health_timeout: Duration::from_secs(self.instance_health_timeout_seconds),
            activation_ttl: Duration::from_secs(self.activation_ttl_hours * 3600),
            lease: Duration::from_secs(self.job_lease_seconds.max(1)),
            max_attempts: self.job_max_attempts.max(1),
            retry_base: Duration::from_millis(self.job_retry_base_ms),
            workers: self.deploy_workers,
            reconcile_interval: Duration::from_secs(self.reconcile_interval_seconds.max(1)),
            key_check_interval: (self.d360_key_check_seconds > 0)
                .then(|| Duration::from_secs(self.d360_key_check_seconds)),
            front_end: self.front_end(),
            idle_after: (self.instance_idle_seconds > 0)
                .then(|| Duration::from_secs(self.instance_idle_seconds)),
        }
    }

    /// What every instance's bootstrap says of the operator's front-end; the web root absolute,
    /// as the instance's process and the container engine need it.
    pub fn front_end(&self) -> FrontEndBootstrap {
        FrontEndBootstrap {
            cors_origins: self
                .instance_cors_origins
                .iter()
                .map(|o| o.as_str().to_owned())
                .collect(),
            web_root: self
                .instance_web_root
                .as_ref()
                .map(|dir| std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone())),
        }
    }

    /// The `inbox` binary: as configured, or next to this executable.
    pub fn inbox_bin(&self) -> anyhow::Result<PathBuf> {
        match &self.inbox_bin {
            Some(path) => Ok(path.clone()),
            None => inbox_next_to_this_executable(),
        }
    }

    /// The shared storage of instance volumes on a swarm, if the operator named one.
    pub fn shared_volumes(&self) -> anyhow::Result<Option<SharedVolumes>> {
        // An empty entry is what a stack file's unset `${VAR:-}` gives.
        let options = self
            .swarm_volume_opts
            .iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| o.parse::<VolumeOption>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("--swarm-volume-opt: {e}"))?;
        SharedVolumes::from_settings(self.swarm_volume_driver.as_deref(), &options)
            .map_err(anyhow::Error::msg)
    }

    pub fn engine_settings(&self) -> crate::deploy::driver::EngineSettings {
        crate::deploy::driver::EngineSettings {
            image: self.container_image.clone(),
            memory_mb: self.container_memory_mb,
            cpus: self.container_cpus,
        }
    }

    /// The limits of a listener; `per_client` only where clients connect directly.
    pub fn listener_limits(&self, per_client: bool) -> http_listener::Limits {
        http_listener::Limits {
            header_timeout: std::time::Duration::from_secs(self.header_timeout_seconds),
            body_timeout: std::time::Duration::from_secs(self.body_timeout_seconds),
            max_connections: self.max_connections,
            max_connections_per_client: if per_client {
                self.max_connections_per_client
            } else {
                0
            },
            // Not the websockets the router forwards: every tenant's push channels pass through
            // it, and instances count their own.
            count_upgraded: false,
        }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.header_timeout_seconds > 0 && self.body_timeout_seconds > 0,
            "--header-timeout-seconds and --body-timeout-seconds must be at least 1"
        );
        anyhow::ensure!(
            self.max_connections > 0,
            "--max-connections must be at least 1"
        );
        anyhow::ensure!(
            self.container_memory_mb >= 6,
            "--container-memory-mb must be at least 6 (Docker's smallest limit)"
        );
        anyhow::ensure!(
            self.container_cpus > 0.0 && self.container_cpus.is_finite(),
            "--container-cpus must be a positive number of CPUs, e.g. 0.5"
        );
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
        self.shared_volumes()?;
        if let Some(dir) = &self.instance_web_root {
            anyhow::ensure!(
                dir.is_dir(),
                "--instance-web-root must be an existing directory (a built front-end with its \
                 index.html): {} is not",
                dir.display()
            );
        }
        Ok(())
    }
}

/// An `http(s)://host[:port]` origin, without a path, kept without a trailing slash.
fn parse_sandbox_origin(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !bare {
        return Err(format!(
            "{raw:?} is not an origin such as http://partner-api:8000"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn parse_origin(raw: &str) -> Result<AllowedOrigin, String> {
    AllowedOrigin::parse(raw).map_err(|e| e.to_string())
}

/// The `inbox` binary built and installed beside `partner-api`.
pub fn inbox_next_to_this_executable() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .ok_or_else(|| anyhow::anyhow!("the executable has no directory"))?;
    Ok(dir.join("inbox"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Serve {
        #[command(flatten)]
        args: ServeArgs,
    }

    fn serve(args: &[&str]) -> ServeArgs {
        Serve::parse_from(std::iter::once("serve").chain(args.iter().copied())).args
    }

    #[test]
    fn the_sandbox_origin_is_a_bare_http_origin() {
        assert_eq!(
            parse_sandbox_origin("http://partner-api:8000/").as_deref(),
            Ok("http://partner-api:8000")
        );
        for bad in [
            "partner-api:8000",
            "ftp://x",
            "http://x/sandbox",
            "http://x/?a=1",
        ] {
            assert!(parse_sandbox_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shared_volume_options_need_a_driver_and_each_is_key_value() {
        let shared = serve(&[
            "--swarm-volume-driver",
            "local",
            "--swarm-volume-opt",
            "type=nfs;o=addr=nfs-host,rw;device=:/inbox/{volume}",
        ])
        .shared_volumes()
        .unwrap()
        .unwrap();
        assert_eq!(shared.driver, "local");
        assert_eq!(shared.options.len(), 3, "the NFS options keep their commas");
        assert!(serve(&[]).shared_volumes().unwrap().is_none());

        let alone = serve(&["--swarm-volume-opt", "type=nfs"]).validate();
        assert!(
            alone
                .unwrap_err()
                .to_string()
                .contains("needs --swarm-volume-driver"),
            "options without a driver are refused at start"
        );
        let malformed = serve(&[
            "--swarm-volume-driver",
            "local",
            "--swarm-volume-opt",
            "nfs",
        ]);
        assert!(malformed
            .validate()
            .unwrap_err()
            .to_string()
            .contains("`nfs` is not KEY=VALUE"));
    }
}
