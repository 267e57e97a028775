//! A Docker engine for the docker and swarm tests: started if it is not running, the instance
//! image built once per run, locks for what must not overlap, and a clean-up of everything a test
//! made even when it fails. Tests skip, saying why, only where Docker cannot run at all, and
//! never under `CI=true`.

use crate::support::{inbox_bin, partner_api_bin};
use std::process::{Command, Stdio};
use std::sync::{LazyLock, OnceLock};
use std::time::{Duration, Instant};

/// The image the tests deploy (not the operator's default tag).
pub const IMAGE: &str = "partner-api/inbox:tests";

/// Serializes the tests that make this engine a swarm manager and leave the swarm again.
pub static SWARM: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(Default::default);

/// `Some(())` when the engine answers and the image is built. Without an engine the test is
/// skipped (`None`), or fails under `CI=true` (see `chromium_test::missing`); an image that does
/// not build on a working engine always fails.
pub fn available() -> Option<()> {
    static READY: OnceLock<Engine> = OnceLock::new();
    match READY.get_or_init(prepare) {
        Engine::Ready => Some(()),
        Engine::Missing(reason) => {
            chromium_test::missing::skip_unless_ci(&format!(
                "Docker tests need an engine: {reason}"
            ));
            None
        }
        Engine::ImageFails(output) => panic!("the instance image does not build: {output}"),
    }
}

enum Engine {
    Ready,
    Missing(String),
    ImageFails(String),
}

/// Starts the engine if it is not running, then builds the image.
fn prepare() -> Engine {
    if Command::new("docker").arg("--version").output().is_err() {
        return Engine::Missing("no `docker` binary on this machine".to_owned());
    }
    if !engine_answers(&[]) {
        if let Err(reason) = start_dockerd() {
            return Engine::Missing(reason);
        }
    }
    match build_image(&[]) {
        Ok(()) => Engine::Ready,
        Err(output) => Engine::ImageFails(output),
    }
}

/// Whether `docker info` works with these extra environment variables.
pub fn engine_answers(env: &[(&str, &str)]) -> bool {
    Command::new("docker")
        .arg("info")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn start_dockerd() -> Result<(), String> {
    let log = std::fs::File::create(std::env::temp_dir().join("partner-api-tests-dockerd.log"))
        .map_err(|e| e.to_string())?;
    Command::new("dockerd")
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("dockerd is not running and cannot be started: {e}"))?;
    wait_until(Duration::from_secs(30), || engine_answers(&[]))
        .then_some(())
        .ok_or_else(|| "dockerd did not answer within 30 s of its start".to_owned())
}

/// `partner-api images build`, as the operator runs it, against the engine `env` names.
pub fn build_image(env: &[(&str, &str)]) -> Result<(), String> {
    let output = Command::new(partner_api_bin())
        .args(["images", "build", "--tag", IMAGE, "--inbox-bin"])
        .arg(inbox_bin())
        .envs(env.iter().copied())
        .output()
        .map_err(|e| e.to_string())?;
    let printed = String::from_utf8_lossy(&output.stdout);
    if output.status.success() && printed.trim() == IMAGE {
        Ok(())
    } else {
        Err(format!(
            "{printed}{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    condition()
}

/// `docker ARGS…`: its trimmed stdout, or the error it printed.
pub fn docker(args: &[&str]) -> Result<String, String> {
    docker_on(&[], args)
}

pub fn docker_on(env: &[(&str, &str)], args: &[&str]) -> Result<String, String> {
    let output = Command::new("docker")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// The ids `docker ARGS… -q` lists, one a line.
pub fn ids(args: &[&str]) -> Vec<String> {
    docker(args)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Containers of one instance, running or not (swarm task containers included).
pub fn containers_of(id: &str) -> Vec<String> {
    ids(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=io.partner-api.instance={id}"),
    ])
}

/// Waits until the engine has a container of the instance, polling it directly (a CLI call takes
/// longer than some deployment steps).
pub async fn container_appears(id: &str, limit: Duration) -> bool {
    use bollard::query_parameters::ListContainersOptionsBuilder;
    let docker = partner_api::deploy::driver::engine::connect()
        .await
        .unwrap();
    let filters = std::collections::HashMap::from([(
        "label".to_owned(),
        vec![format!("io.partner-api.instance={id}")],
    )]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if !docker
            .list_containers(Some(options.clone()))
            .await
            .unwrap()
            .is_empty()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

pub fn volume_exists(id: &str) -> bool {
    docker(&["volume", "inspect", &format!("inbox-{id}-data")]).is_ok()
}

/// Removes every container, service, secret and volume of the instances it tracks when it is
/// dropped, so a failed test leaves nothing behind.
#[derive(Default)]
pub struct Cleanup {
    instances: std::sync::Mutex<Vec<String>>,
    containers: std::sync::Mutex<Vec<String>>,
    pub env: Vec<(String, String)>,
}

impl Cleanup {
    pub fn track(&self, id: &str) {
        self.instances.lock().unwrap().push(id.to_owned());
    }

    /// A container the test made itself, without our labels.
    pub fn track_container(&self, name: &str) {
        self.containers.lock().unwrap().push(name.to_owned());
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for name in self.containers.lock().unwrap().iter() {
            let _ = docker_on(&env, &["rm", "-f", name]);
        }
        for id in self.instances.lock().unwrap().iter() {
            let label = format!("label=io.partner-api.instance={id}");
            let _ = docker_on(&env, &["service", "rm", &format!("inbox-{id}")]);
            let containers =
                docker_on(&env, &["ps", "-aq", "--filter", &label]).unwrap_or_default();
            for container in containers.lines() {
                let _ = docker_on(&env, &["rm", "-f", container]);
            }
            let _ = docker_on(&env, &["volume", "rm", "-f", &format!("inbox-{id}-data")]);
            let secrets =
                docker_on(&env, &["secret", "ls", "-q", "--filter", &label]).unwrap_or_default();
            for secret in secrets.lines() {
                let _ = docker_on(&env, &["secret", "rm", secret]);
            }
        }
    }
}

/// This engine as a single-node swarm manager for one test, held alone; left when dropped.
pub struct SingleNodeSwarm {
    _alone: tokio::sync::MutexGuard<'static, ()>,
}

impl SingleNodeSwarm {
    pub async fn init() -> Self {
        let alone = SWARM.lock().await;
        let _ = docker(&["swarm", "leave", "--force"]);
        docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"])
            .expect("a single-node swarm starts");
        Self { _alone: alone }
    }
}

impl Drop for SingleNodeSwarm {
    fn drop(&mut self) {
        let _ = docker(&["swarm", "leave", "--force"]);
    }
}
