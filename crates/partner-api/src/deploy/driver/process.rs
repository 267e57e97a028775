//! The embedded default: each instance is an `inbox` child process on a loopback port, with its
//! data under `<data-dir>/instances/<id>/`. Children exit when this process dies
//! (`--exit-with-parent`), so a `kill -9` leaves nothing behind and the reconciler starts them
//! again on the next start.

use super::{Driver, DriverError, Endpoint, InstanceSpec, Placement};
use crate::crypto::write_private_file;
use crate::domain::InstanceId;
use anyhow::Context;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, Notify};

const START_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_GRACE: Duration = Duration::from_secs(5);

struct Running {
    pid: u32,
    endpoint: Endpoint,
    stop: Option<oneshot::Sender<oneshot::Sender<()>>>,
}

pub struct ProcessDriver {
    inbox_bin: PathBuf,
    root: PathBuf,
    running: Arc<Mutex<HashMap<InstanceId, Running>>>,
    /// One lock per instance, so a deployment and the reconciler never start it twice.
    starting: Mutex<HashMap<InstanceId, Arc<tokio::sync::Mutex<()>>>>,
    /// Woken when a child exits unexpectedly, so the reconciler restarts it at once.
    exited: Arc<Notify>,
}

impl ProcessDriver {
    /// Refuses to start without an executable `inbox`: every deployment would otherwise fail.
    pub fn new(inbox_bin: PathBuf, data_dir: &Path) -> anyhow::Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        let executable = std::fs::metadata(&inbox_bin)
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
        anyhow::ensure!(
            executable,
            "the instance binary {} is missing or not executable; build it with \
             `cargo build --release --workspace`, or name it with --inbox-bin",
            inbox_bin.display()
        );
        Ok(Self {
            inbox_bin,
            root: data_dir.join("instances"),
            running: Arc::default(),
            starting: Mutex::default(),
            exited: Arc::new(Notify::new()),
        })
    }

    fn dir(&self, id: &InstanceId) -> PathBuf {
        self.root.join(id.as_str())
    }

    fn lock_for(&self, id: &InstanceId) -> Arc<tokio::sync::Mutex<()>> {
        let mut starting = self.starting.lock().unwrap_or_else(|e| e.into_inner());
        starting.entry(id.clone()).or_default().clone()
    }

    fn current(&self, id: &InstanceId) -> Option<Endpoint> {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.get(id).map(|r| r.endpoint.clone())
    }

    async fn start(&self, spec: &InstanceSpec) -> Result<Endpoint, DriverError> {
        let dir = self.dir(&spec.id);
        std::fs::create_dir_all(dir.join("data"))
            .with_context(|| format!("creating {}", dir.display()))?;
        let bootstrap_path = dir.join("bootstrap.json");
        let bootstrap =
            serde_json::to_vec_pretty(&spec.bootstrap).context("encoding the bootstrap")?;
        write_private_file(&bootstrap_path, &bootstrap)?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("inbox.log"))
            .context("opening the instance log")?;
        let mut child = Command::new(&self.inbox_bin)
            .arg("--bootstrap")
            .arg(&bootstrap_path)
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--exit-with-parent",
                "--parent-pid",
            ])
            .arg(std::process::id().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(false)
            .spawn()
            .map_err(|e| {
                DriverError::StartFailed(format!("cannot run {}: {e}", self.inbox_bin.display()))
            })?;
        let pid = child.id().unwrap_or(0);
        let endpoint = match tokio::time::timeout(START_TIMEOUT, read_endpoint(&mut child)).await {
            Ok(Ok(endpoint)) => endpoint,
            Ok(Err(reason)) => {
                let _ = child.start_kill();
                let status = child.wait().await.ok();
                return Err(DriverError::StartFailed(format!(
                    "{reason} (exit status: {status:?}; see {}/inbox.log)",
                    dir.display()
                )));
            }
            Err(_) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                return Err(DriverError::StartFailed(format!(
                    "no address within {START_TIMEOUT:?}"
                )));
            }
        };
        let (stop_tx, stop_rx) = oneshot::channel();
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                spec.id.clone(),
                Running {
                    pid,
                    endpoint: endpoint.clone(),
                    stop: Some(stop_tx),
                },
            );
        tokio::spawn(supervise(
            child,
            pid,
            spec.id.clone(),
            stop_rx,
            self.running.clone(),
            self.exited.clone(),
        ));
        tracing::info!(instance = %spec.id, pid, %endpoint, "instance process started");
        Ok(endpoint)
    }

    async fn stop_process(&self, id: &InstanceId) {
        let stop = {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            running.get_mut(id).and_then(|r| r.stop.take())
        };
        if let Some(stop) = stop {
            let (done_tx, done_rx) = oneshot::channel();
            if stop.send(done_tx).is_ok() {
                let _ = done_rx.await;
            }
        }
    }
}

/// The first line the instance prints: `listening on 127.0.0.1:PORT`.
async fn read_endpoint(child: &mut Child) -> Result<Endpoint, String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let line = lines
        .next_line()
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the instance exited before it listened")?;
    let endpoint = line
        .strip_prefix("listening on ")
        .map(str::trim)
        .ok_or_else(|| format!("unexpected first line {line:?}"))?
        .to_owned();
    // Keep reading so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(endpoint)
}

/// Owns the child: waits for it to exit, or stops it on request (SIGTERM, then SIGKILL).
async fn supervise(
    mut child: Child,
    pid: u32,
    id: InstanceId,
    stop_rx: oneshot::Receiver<oneshot::Sender<()>>,
    running: Arc<Mutex<HashMap<InstanceId, Running>>>,
    exited: Arc<Notify>,
) {
    let forget = || {
        let mut running = running.lock().unwrap_or_else(|e| e.into_inner());
        if running.get(&id).is_some_and(|r| r.pid == pid) {
            running.remove(&id);
        }
    };
    tokio::select! {
        status = child.wait() => {
            forget();
            tracing::warn!(instance = %id, pid, ?status, "instance process exited");
            exited.notify_one();
        }
        Ok(done) = stop_rx => {
            if let Ok(raw) = i32::try_from(pid) {
                let _ = kill(Pid::from_raw(raw), Signal::SIGTERM);
            }
            if tokio::time::timeout(STOP_GRACE, child.wait()).await.is_err() {
                let _ = child.kill().await;
            }
            forget();
            tracing::info!(instance = %id, pid, "instance process stopped");
            let _ = done.send(());
        }
    }
}

#[async_trait::async_trait]
impl Driver for ProcessDriver {
    fn name(&self) -> &'static str {
        "process"
    }

    async fn ensure(&self, spec: &InstanceSpec) -> Result<Placement, DriverError> {
        let lock = self.lock_for(&spec.id);
        let _guard = lock.lock().await;
        if let Some(endpoint) = self.current(&spec.id) {
            return Ok(endpoint.into());
        }
        self.start(spec).await.map(Placement::from)
    }

    async fn endpoint(&self, id: &InstanceId) -> Result<Option<Placement>, DriverError> {
        Ok(self.current(id).map(Placement::from))
    }

    async fn stop(&self, id: &InstanceId) -> Result<(), DriverError> {
        let lock = self.lock_for(id);
        let _guard = lock.lock().await;
        self.stop_process(id).await;
        Ok(())
    }

    async fn remove(&self, id: &InstanceId) -> Result<(), DriverError> {
        let lock = self.lock_for(id);
        let _guard = lock.lock().await;
        self.stop_process(id).await;
        let dir = self.dir(id);
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(anyhow::Error::from(e)
                    .context(format!("removing {}", dir.display()))
                    .into())
            }
        }
        self.starting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        Ok(())
    }

    async fn list(&self) -> Result<Vec<InstanceId>, DriverError> {
        Ok(self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect())
    }

    fn exited(&self) -> Option<Arc<Notify>> {
        Some(self.exited.clone())
    }

    async fn shutdown(&self) {
        let ids: Vec<InstanceId> = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        futures::future::join_all(ids.iter().map(|id| self.stop_process(id))).await;
    }
}
