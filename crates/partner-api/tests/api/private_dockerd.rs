//! A Docker daemon of the test's own (its own data, socket, containerd and bridge), so a test can
//! restart dockerd without disturbing the engine every other test, and anyone else, uses.

use crate::engine::{engine_answers, wait_until};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BRIDGE: &str = "pa-tests-br0";
const BRIDGE_ADDRESS: &str = "10.213.7.1/24";

pub struct PrivateDockerd {
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateDockerd {
    pub fn start() -> Self {
        let _ = ip(&["link", "del", BRIDGE]);
        for args in [
            &["link", "add", "name", BRIDGE, "type", "bridge"][..],
            &["addr", "add", BRIDGE_ADDRESS, "dev", BRIDGE],
            &["link", "set", BRIDGE, "up"],
        ] {
            ip(args).expect("the test's bridge is set up (needs root and iproute2)");
        }
        let mut daemon = Self {
            dir: tempfile::Builder::new()
                .prefix("pa-dockerd")
                .tempdir()
                .unwrap(),
            child: None,
        };
        daemon.launch();
        daemon
    }

    /// `DOCKER_HOST` for this daemon.
    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    fn launch(&mut self) {
        let dir = self.dir.path();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("dockerd.log"))
            .unwrap();
        let child = Command::new("dockerd")
            .arg("--data-root")
            .arg(dir.join("root"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(dir.join("docker.pid"))
            .args(["-H", &self.host(), "--bridge", BRIDGE])
            // Published ports go through docker-proxy; the main daemon's iptables rules stay as they are.
            .args(["--iptables=false", "--ip-masq=false"])
            .args([
                "--containerd-namespace",
                "pa-tests",
                "--containerd-plugins-namespace",
                "pa-tests-plugins",
            ])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("dockerd starts");
        self.child = Some(child);
        let host = self.host();
        assert!(
            wait_until(Duration::from_secs(30), || engine_answers(&[(
                "DOCKER_HOST",
                &host
            )])),
            "the test's dockerd answers"
        );
    }

    fn terminate(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let stopped = wait_until(Duration::from_secs(30), || {
                child.try_wait().is_ok_and(|s| s.is_some())
            });
            if !stopped {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// Stops dockerd as a service manager would (SIGTERM) and starts it again.
    pub fn restart(&mut self) {
        self.terminate();
        self.launch();
    }
}

impl Drop for PrivateDockerd {
    fn drop(&mut self) {
        self.terminate();
        let _ = ip(&["link", "del", BRIDGE]);
    }
}

fn ip(args: &[&str]) -> Result<(), String> {
    let output = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    output
        .status
        .success()
        .then_some(())
        .ok_or_else(|| String::from_utf8_lossy(&output.stderr).into_owned())
}
