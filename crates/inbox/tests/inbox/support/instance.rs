use inbox::bootstrap::{
    AdminBootstrap, Bootstrap, ConfiguratorBootstrap, D360Bootstrap, FrontEndBootstrap,
    BOOTSTRAP_VERSION,
};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const ADMIN: &str = "admin@example.com";
pub const CONFIGURATOR: &str = "service_account";

/// What the bootstrap file of a test instance says.
#[derive(Clone, Debug)]
pub struct Spec {
    pub instance_id: String,
    pub seats: u32,
    pub public_origin: String,
    pub activation_expires_at: i64,
    pub d360_api_key: String,
    /// Part of the activation code: a new round is a new code in the rewritten file.
    pub activation_round: u32,
    /// Origins allowed to call the API from a browser.
    pub cors_origins: Vec<String>,
    /// A folder of static files the instance serves at its origin.
    pub web_root: Option<PathBuf>,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            instance_id: "167c42d61ed64feb97d3a32508d811a8".into(),
            seats: 5,
            public_origin: "http://acme.inbox.localhost:8080".into(),
            activation_expires_at: time_now() + 3600,
            d360_api_key: "d360-key-0001".into(),
            activation_round: 1,
            cors_origins: Vec::new(),
            web_root: None,
        }
    }
}

/// A running `inbox` process, stopped when dropped.
pub struct Instance {
    child: Child,
    pub port: u16,
    pub dir: Arc<TempDir>,
    pub spec: Spec,
    /// From spawn to the first `200` of the health check.
    pub time_to_healthy: Duration,
    pub activation_code: String,
    pub configurator_token: String,
    pub platform_token: String,
}

impl Instance {
    pub async fn start(spec: Spec) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        Self::start_in(dir, spec, &[]).await
    }

    /// Starts on an existing data directory (a restart), with a bootstrap file written anew.
    pub async fn start_in(dir: Arc<TempDir>, spec: Spec, extra_args: &[&str]) -> Self {
        Self::start_on(dir, spec, "127.0.0.1:0", extra_args).await
    }

    async fn start_on(dir: Arc<TempDir>, spec: Spec, listen: &str, extra_args: &[&str]) -> Self {
        let secrets = write_bootstrap(&dir, &spec);
        let spawned = Instant::now();
        let mut child = command_on(&dir, listen, extra_args)
            .spawn()
            .expect("the inbox binary starts");
        let port = read_port(&mut child).await;
        let [activation_code, configurator_token, platform_token] = secrets;
        let mut instance = Self {
            child,
            port,
            dir,
            spec,
            time_to_healthy: Duration::ZERO,
            activation_code,
            configurator_token,
            platform_token,
        };
        instance.time_to_healthy = instance.wait_healthy(spawned).await;
        instance
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn activation_url(&self) -> String {
        self.url(&format!("/confirm_account?c={}", self.activation_code))
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// SIGTERM, then the exit status.
    pub async fn terminate(mut self) -> ExitStatus {
        signal(self.pid(), "TERM");
        tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("stops within 10 s")
            .expect("exit status")
    }

    /// Stops the instance and starts it again on the same data, with `spec` as the bootstrap.
    pub async fn restart_with(self, spec: Spec) -> Self {
        let dir = Arc::clone(&self.dir);
        assert!(self.terminate().await.success());
        Self::start_in(dir, spec, &[]).await
    }

    pub async fn restart(self) -> Self {
        let spec = self.spec.clone();
        self.restart_with(spec).await
    }

    /// Stops the instance, runs `while_stopped`, then starts it again on the same data and port,
    /// so that pages and sockets opened before find it where it was.
    pub async fn restart_on_its_port<F: std::future::Future<Output = ()>>(
        self,
        while_stopped: F,
    ) -> Self {
        let (dir, spec) = (Arc::clone(&self.dir), self.spec.clone());
        let listen = format!("127.0.0.1:{}", self.port);
        assert!(self.terminate().await.success());
        while_stopped.await;
        Self::start_on(dir, spec, &listen, &[]).await
    }

    async fn wait_healthy(&self, spawned: Instant) -> Duration {
        let client = reqwest::Client::new();
        loop {
            let answer = client.get(self.url("/api/v1/status/health")).send().await;
            if answer.is_ok_and(|r| r.status() == 200) {
                return spawned.elapsed();
            }
            assert!(spawned.elapsed() < Duration::from_secs(10), "never healthy");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

pub fn command(dir: &TempDir, extra_args: &[&str]) -> Command {
    command_on(dir, "127.0.0.1:0", extra_args)
}

fn command_on(dir: &TempDir, listen: &str, extra_args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_inbox"));
    command
        .arg("--bootstrap")
        .arg(dir.path().join("bootstrap.json"))
        .arg("--data-dir")
        .arg(data_dir(dir))
        .args(["--listen", listen])
        .args(extra_args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    command
}

pub fn data_dir(dir: &TempDir) -> PathBuf {
    dir.path().join("data")
}

/// The port of the one line `listening on 127.0.0.1:PORT` the instance prints.
pub async fn read_port(child: &mut Child) -> u16 {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("prints its address within 10 s")
        .expect("readable stdout")
        .expect("a line");
    let address = line
        .strip_prefix("listening on 127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    address.parse().expect("a port")
}

pub fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// The value 360Dialog would send in the inbound webhook secret header.
pub fn inbound_secret(spec: &Spec) -> String {
    format!("inbound-secret-{}", spec.instance_id)
}

/// Writes `bootstrap.json` into `dir`; answers the activation code, configurator and platform
/// tokens it holds the digests of (derived from the spec, so a restart gets the same ones).
pub fn write_bootstrap(dir: &TempDir, spec: &Spec) -> [String; 3] {
    let secrets = [
        format!(
            "activation-code-{}-{}",
            spec.instance_id, spec.activation_round
        ),
        format!("configurator-token-{}", spec.instance_id),
        format!("platform-token-{}", spec.instance_id),
    ];
    let bootstrap = bootstrap_file(spec, &secrets);
    std::fs::write(dir.path().join("bootstrap.json"), bootstrap).expect("write bootstrap");
    secrets
}

fn bootstrap_file(spec: &Spec, [code, configurator, platform]: &[String; 3]) -> String {
    let bootstrap = Bootstrap {
        version: BOOTSTRAP_VERSION,
        instance_id: spec.instance_id.clone(),
        public_origin: spec.public_origin.clone(),
        max_number_of_seats: spec.seats,
        admin: AdminBootstrap {
            username: ADMIN.into(),
            email: Some(ADMIN.into()),
            activation_code_sha256: sha256_hex(code),
            activation_expires_at: spec.activation_expires_at,
        },
        configurator: Some(ConfiguratorBootstrap {
            user_name: CONFIGURATOR.into(),
            token_sha256: sha256_hex(configurator),
        }),
        platform_token_sha256: sha256_hex(platform),
        d360: Some(D360Bootstrap {
            api_key: spec.d360_api_key.clone(),
            messaging_url: "http://127.0.0.1:9/".into(),
        }),
        inbound_webhook_secret_sha256: Some(sha256_hex(&inbound_secret(spec))),
        phone_number: Some("+4915100000001".into()),
        front_end: FrontEndBootstrap {
            cors_origins: spec.cors_origins.clone(),
            web_root: spec.web_root.clone(),
        },
    };
    serde_json::to_string_pretty(&bootstrap).expect("serializable")
}

/// Resident memory in MiB: all of it, the process's own (heap, stacks) and mapped files (the
/// code of the binary and its libraries, the database's shared memory).
pub struct Memory {
    pub rss: f64,
    pub anon: f64,
    pub file: f64,
}

/// Resident memory of the instance now (`/proc/{pid}/status`).
pub fn memory(instance: &Instance) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{}/status", instance.pid()))
        .expect("/proc/{pid}/status");
    let mib = |key: &str| {
        let line = status.lines().find_map(|l| l.strip_prefix(key));
        let kib = line.map(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>());
        kib.and_then(Result::ok)
            .unwrap_or_else(|| panic!("a {key} line")) as f64
            / 1024.0
    };
    Memory {
        rss: mib("VmRSS:"),
        anon: mib("RssAnon:"),
        file: mib("RssFile:") + mib("RssShmem:"),
    }
}
