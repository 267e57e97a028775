//! A real Docker Swarm of two working nodes on this machine: Docker Engines of the test's own,
//! each in its own network namespace (its own addresses, iptables and bridges) and host name,
//! their data in a folder of the test's, joined over a bridge by veth pairs. Nodes 1 and 2 run
//! things and are managers, so the control plane can run on either; node 3 is a drained manager
//! that runs nothing and is there for the raft quorum, which two managers lose when one stops.
//! The overlay network between them is VXLAN across that bridge. Dropped, it leaves no swarm,
//! namespace, link, firewall rule, daemon or file behind.
//!
//! The engines are started with `nsenter --net` rather than `ip netns exec`, which remounts
//! `/sys` and hides the cgroups from `dockerd`.

use crate::engine::{docker_on, engine_answers, wait_until};
use std::process::{Command, Stdio};
use std::time::Duration;

const BRIDGE: &str = "pa-sw-br";
/// The host's address on the bridge; the nodes are `.11`, `.12` and `.13`.
pub const HOST_ADDRESS: &str = "10.214.0.1";
const PREFIX: u8 = 24;
/// Lets the nodes' traffic cross the host's bridge (Docker sets the FORWARD policy to DROP).
const FORWARD_RULE: [&str; 6] = ["FORWARD", "-i", BRIDGE, "-o", BRIDGE, "-j"];

pub struct Node {
    pub number: u8,
    pub name: String,
    pub address: String,
    namespace: String,
    dir: std::path::PathBuf,
    daemon: Option<std::process::Child>,
}

impl Node {
    /// `DOCKER_HOST` of this node's engine.
    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.join("docker.sock").display())
    }

    /// `docker ARGS…` on this node's engine: its trimmed stdout, or what it printed on error.
    pub fn docker(&self, args: &[&str]) -> Result<String, String> {
        self.docker_with(&[], args)
    }

    pub fn docker_with(&self, env: &[(&str, &str)], args: &[&str]) -> Result<String, String> {
        let host = self.host();
        let env: Vec<(&str, &str)> = std::iter::once(("DOCKER_HOST", host.as_str()))
            .chain(env.iter().copied())
            .collect();
        docker_on(&env, args)
    }

    /// What a service's tasks printed, stdout and stderr.
    pub fn service_logs(&self, service: &str) -> String {
        Command::new("docker")
            .args(["service", "logs", "--raw", "--tail", "40", service])
            .env("DOCKER_HOST", self.host())
            .output()
            .map(|o| {
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                )
            })
            .unwrap_or_else(|e| e.to_string())
    }

    /// Starts this node's engine (again).
    pub fn start(&mut self) {
        let dir = &self.dir;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("dockerd.log"))
            .unwrap();
        let script = format!(
            "hostname {name} && exec dockerd --data-root {dir}/root --exec-root {dir}/exec \
             --pidfile {dir}/docker.pid -H unix://{dir}/docker.sock \
             --containerd-namespace pa-sw{n} --containerd-plugins-namespace pa-sw{n}-plugins",
            name = self.name,
            dir = dir.display(),
            n = self.number,
        );
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", self.namespace))
            .args(["unshare", "--uts", "sh", "-c", &script])
            // No registry is reachable from here: a node uses the images it holds at once
            // instead of first failing to resolve a registry for each task.
            .env("DOCKER_SERVICE_PREFER_OFFLINE_IMAGE", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("dockerd starts in its namespace");
        self.daemon = Some(child);
        let host = self.host();
        assert!(
            wait_until(Duration::from_secs(30), || engine_answers(&[(
                "DOCKER_HOST",
                &host
            )])),
            "the engine of {} answers",
            self.name
        );
    }

    /// Stops this node's engine as a service manager would (SIGTERM), its containers with it.
    pub fn stop(&mut self) {
        let Some(mut child) = self.daemon.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        if !wait_until(Duration::from_secs(30), || {
            child.try_wait().is_ok_and(|s| s.is_some())
        }) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The engines the swarm is made of.
const NODES: [u8; 3] = [1, 2, 3];

/// Nodes 1 and 2 run things; node 3 keeps the quorum.
pub struct TestSwarm {
    pub nodes: [Node; 3],
    _dir: tempfile::TempDir,
}

impl TestSwarm {
    pub fn start() -> Self {
        tear_down_network();
        run("ip", &["link", "add", BRIDGE, "type", "bridge"]);
        run(
            "ip",
            &[
                "addr",
                "add",
                &format!("{HOST_ADDRESS}/{PREFIX}"),
                "dev",
                BRIDGE,
            ],
        );
        run("ip", &["link", "set", BRIDGE, "up"]);
        run(
            "iptables",
            &[&["-I"][..], &FORWARD_RULE, &["ACCEPT"]].concat(),
        );
        let dir = tempfile::Builder::new().prefix("pa-sw").tempdir().unwrap();
        let nodes = NODES.map(|n| {
            let namespace = format!("pa-sw-n{n}");
            let (outside, inside) = (format!("pa-sw-h{n}"), format!("pa-sw-c{n}"));
            let address = format!("10.214.0.1{n}");
            run("ip", &["netns", "add", &namespace]);
            run(
                "ip",
                &[
                    "link", "add", &outside, "type", "veth", "peer", "name", &inside,
                ],
            );
            run("ip", &["link", "set", &outside, "master", BRIDGE, "up"]);
            run("ip", &["link", "set", &inside, "netns", &namespace]);
            for args in [
                &[
                    "addr",
                    "add",
                    &format!("{address}/{PREFIX}"),
                    "dev",
                    &inside,
                ][..],
                &["link", "set", &inside, "up"],
                &["link", "set", "lo", "up"],
                &["route", "add", "default", "via", HOST_ADDRESS],
            ] {
                run("ip", &[&["-n", &namespace][..], args].concat());
            }
            let node_dir = dir.path().join(format!("n{n}"));
            std::fs::create_dir_all(&node_dir).unwrap();
            Node {
                number: n,
                name: format!("pa-node-{n}"),
                address,
                namespace,
                dir: node_dir,
                daemon: None,
            }
        });
        let mut swarm = Self { nodes, _dir: dir };
        for node in &mut swarm.nodes {
            node.start();
        }
        let [first, others @ ..] = &swarm.nodes;
        first
            .docker(&["swarm", "init", "--advertise-addr", &first.address])
            .expect("node 1 starts a swarm");
        let token = first
            .docker(&["swarm", "join-token", "-q", "manager"])
            .unwrap();
        for node in others {
            node.docker(&[
                "swarm",
                "join",
                "--token",
                &token,
                "--advertise-addr",
                &node.address,
                &format!("{}:2377", first.address),
            ])
            .unwrap_or_else(|e| panic!("{} joins the swarm: {e}", node.name));
        }
        assert!(
            wait_until(Duration::from_secs(30), || swarm.ready_nodes().len()
                == NODES.len()),
            "every node is ready: {:?}",
            swarm.manager().docker(&["node", "ls"])
        );
        let quorum = &swarm.nodes[2];
        swarm
            .manager()
            .docker(&["node", "update", "--availability", "drain", &quorum.name])
            .expect("node 3 runs nothing");
        swarm
    }

    pub fn manager(&self) -> &Node {
        &self.nodes[0]
    }

    /// The host names of the nodes the manager sees as ready.
    pub fn ready_nodes(&self) -> Vec<String> {
        self.manager()
            .docker(&["node", "ls", "--format", "{{.Hostname}} {{.Status}}"])
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.strip_suffix(" Ready").map(str::to_owned))
            .collect()
    }
}

impl Drop for TestSwarm {
    fn drop(&mut self) {
        for node in self.nodes.iter().rev() {
            let _ = node.docker(&["swarm", "leave", "--force"]);
        }
        for node in &mut self.nodes {
            let containers = node.docker(&["ps", "-aq"]).unwrap_or_default();
            for container in containers.lines() {
                let _ = node.docker(&["rm", "-f", container]);
            }
            node.stop();
        }
        tear_down_network();
        unmount_under(self._dir.path());
    }
}

/// Whatever an engine left mounted in its folder (it unmounts its own on a clean stop), so the
/// folder can go.
fn unmount_under(dir: &std::path::Path) {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mut points: Vec<&str> = mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|p| p.starts_with(&*dir.to_string_lossy()))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for point in points {
        let _ = quiet("umount", &["-l", point]);
    }
}

/// Removes what an earlier run may have left: processes in the namespaces, the namespaces, the
/// links and the firewall rule.
fn tear_down_network() {
    for n in NODES {
        let namespace = format!("pa-sw-n{n}");
        if let Ok(output) = Command::new("ip")
            .args(["netns", "pids", &namespace])
            .output()
        {
            for pid in String::from_utf8_lossy(&output.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
        }
        let _ = quiet("ip", &["netns", "del", &namespace]);
        let _ = quiet("ip", &["link", "del", &format!("pa-sw-h{n}")]);
    }
    let _ = quiet("ip", &["link", "del", BRIDGE]);
    while quiet(
        "iptables",
        &[&["-D"][..], &FORWARD_RULE, &["ACCEPT"]].concat(),
    ) {}
}

fn quiet(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (needs root and iproute2/iptables): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
