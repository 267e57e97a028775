//! The control plane as a stack (`deploy/stack.yml`) on a real two-node swarm: instances on both
//! nodes, each reached through the router by its service name over the overlay network, and a
//! node that goes away and comes back.
//!
//! What this machine cannot show: its kernel has no IPVS, which Swarm's routing mesh (ingress
//! publishing) and virtual IPs need. The stack is deployed with `PARTNER_API_PUBLISH_MODE=host`,
//! so the router answers on the node its replica runs on (the manager), and instance services
//! use DNS round robin, which needs no IPVS, on every machine.

use crate::engine;
use crate::support::{inbox_bin, partner_api_bin, PostgresDatabase, SANDBOX_KEY};
use crate::two_node_swarm::{Node, TwoNodeSwarm, HOST_ADDRESS};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

const STACK: &str = "pa";

/// A TCP relay from the host's bridge address to PostgreSQL on loopback, so the control plane
/// in the swarm reaches the test's database; stops when dropped.
struct Relay {
    address: String,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(to: String) -> Self {
        let listener = TcpListener::bind((HOST_ADDRESS, 0)).await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let to = to.clone();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self { address, task }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `scheme://user@host:port/db` → (`host:port`, the same URL through `address`).
fn server_and_url_through(url: &str, address: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, rest) = rest.rsplit_once('@').map_or(("", rest), |(u, r)| (u, r));
    let (server, path) = rest.split_once('/').unwrap();
    let user = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    (
        server.to_owned(),
        format!("{scheme}://{user}{address}/{path}"),
    )
}

fn build_images(swarm: &TwoNodeSwarm) {
    let engines: Vec<String> = swarm
        .nodes
        .iter()
        .flat_map(|n| ["--engine".to_owned(), n.host()])
        .collect();
    for extra in [
        vec!["--inbox-bin".to_owned(), inbox_bin().display().to_string()],
        vec!["--control-plane".to_owned()],
    ] {
        let output = Command::new(partner_api_bin())
            .args(["images", "build"])
            .args(&extra)
            .args(&engines)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "images build {extra:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

struct Deployed {
    api: String,
    router: String,
    client: reqwest::Client,
}

impl Deployed {
    async fn get(&self, path: &str) -> (u16, Value) {
        let sent = self
            .client
            .get(format!("{}{path}", self.api))
            .bearer_auth(SANDBOX_KEY)
            .send()
            .await;
        let Ok(answer) = sent else {
            return (0, Value::Null);
        };
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// Creates an instance as the sandbox partner and waits until it is ready.
    async fn create(&self, manager: &Node, subdomain: &str) -> String {
        let body = json!({"channel_id": format!("Ch{}", subdomain.replace('-', "")), "subdomain": subdomain});
        let created: Value = self
            .client
            .post(format!("{}/v1/instances", self.api))
            .bearer_auth(SANDBOX_KEY)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().expect("created").to_owned();
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let instance = self.instance(&id).await;
            if instance["status"] == "ready" {
                return id;
            }
            assert!(
                Instant::now() < deadline,
                "{subdomain} is ready within 90 s; it is {instance}\ntasks:\n{}\ncontrol plane:\n{}",
                manager
                    .docker(&["service", "ps", "--no-trunc", &format!("inbox-{id}")])
                    .unwrap_or_else(|e| e),
                manager.service_logs(&format!("{STACK}_partner-api")),
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn instance(&self, id: &str) -> Value {
        self.get(&format!("/v1/instances/{id}")).await.1
    }

    /// The status of `path` through the router, and its body.
    async fn via_router(&self, subdomain: &str, path: &str) -> (u16, String) {
        match self
            .client
            .get(format!("{}{path}", self.router))
            .header("host", format!("{subdomain}.inbox.localhost"))
            .send()
            .await
        {
            Ok(answer) => (
                answer.status().as_u16(),
                answer.text().await.unwrap_or_default(),
            ),
            Err(e) => (0, e.to_string()),
        }
    }
}

async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stack_runs_instances_on_both_nodes_reached_by_name_and_a_node_that_goes_away_comes_back(
) {
    let Some(()) = engine::available() else {
        return;
    };
    let mut swarm = TwoNodeSwarm::start();
    build_images(&swarm);

    let database = PostgresDatabase::create().await;
    let (server, _) = server_and_url_through(&database.url, "");
    let relay = Relay::start(server).await;
    let (_, database_url) = server_and_url_through(&database.url, &relay.address);
    let manager = swarm.manager();
    let key_file = tempfile::NamedTempFile::new().unwrap();
    let key = partner_api::crypto::random_alphanumeric(32);
    std::fs::write(
        key_file.path(),
        base64::engine::general_purpose::STANDARD.encode(key),
    )
    .unwrap();
    manager
        .docker(&[
            "secret",
            "create",
            "partner-api-secret-key",
            &key_file.path().display().to_string(),
        ])
        .unwrap();
    let stack_file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/stack.yml");
    let socket = manager.host();
    manager
        .docker_with(
            &[
                ("DATABASE_URL", database_url.as_str()),
                // Node 1's engine; /var/run/docker.sock on this machine is another one.
                (
                    "PARTNER_API_DOCKER_SOCKET",
                    socket.trim_start_matches("unix://"),
                ),
                ("PARTNER_API_PUBLISH_MODE", "host"),
                ("PARTNER_API_REPLICAS", "1"),
            ],
            &["stack", "deploy", "-c", stack_file, STACK],
        )
        .expect("docker stack deploy takes deploy/stack.yml");

    let deployed = Deployed {
        api: format!("http://{}:8000", manager.address),
        router: format!("http://{}:8080", manager.address),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while deployed.get("/v1/instances").await.0 != 200 {
        assert!(
            Instant::now() < deadline,
            "the control plane answers within 120 s; its tasks:\n{}\nits log:\n{}",
            manager
                .docker(&[
                    "service",
                    "ps",
                    "--no-trunc",
                    &format!("{STACK}_partner-api")
                ])
                .unwrap_or_else(|e| e),
            manager.service_logs(&format!("{STACK}_partner-api")),
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Instances until both nodes hold some; each answers through the router.
    let mut on_node: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for n in 0..8 {
        let subdomain = format!("shop-{n}");
        let id = deployed.create(swarm.manager(), &subdomain).await;
        let node = deployed.instance(&id).await["node"]
            .as_str()
            .expect("a ready instance names its node")
            .to_owned();
        on_node.entry(node).or_default().push((id, subdomain));
        if n >= 3 && on_node.len() == 2 {
            break;
        }
    }
    assert_eq!(
        on_node.keys().collect::<Vec<_>>(),
        ["pa-node-1", "pa-node-2"],
        "Swarm placed instances on both nodes"
    );
    for (_, subdomain) in on_node.values().flatten() {
        let (status, body) = deployed
            .via_router(subdomain, "/api/v1/status/health")
            .await;
        assert_eq!(status, 200, "{subdomain} through the router: {body}");
    }
    let metrics = deployed
        .client
        .get(format!("{}/metrics", deployed.api))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (node, held) in &on_node {
        let line = format!(
            "instances_on_node{{node=\"{node}\",reachable=\"true\"}} {}",
            held.len()
        );
        assert!(metrics.contains(&line), "{line} in /metrics:\n{metrics}");
    }

    // Node 2 goes away: its instances answer 503 and say why; node 1's go on. It comes back:
    // they serve again, with no one's help.
    let (gone, stayed) = (&on_node["pa-node-2"], &on_node["pa-node-1"]);
    swarm.nodes[1].stop();
    expect_unreachable(
        &deployed,
        swarm.manager(),
        gone,
        stayed,
        "pa-node-2 is down",
    )
    .await;
    swarm.nodes[1].start();
    expect_back(&deployed, gone).await;

    // Drained, it runs nothing; its instances wait for it, their data being there.
    let manager = swarm.manager();
    let availability = |a: &str| {
        manager
            .docker(&["node", "update", "--availability", a, "pa-node-2"])
            .unwrap()
    };
    availability("drain");
    expect_unreachable(&deployed, manager, gone, stayed, "pa-node-2 is drained").await;
    availability("active");
    expect_back(&deployed, gone).await;

    // A node without the image (its label gone) is not chosen.
    let labels: Value = serde_json::from_str(
        &manager
            .docker(&[
                "node",
                "inspect",
                "--format",
                "{{json .Spec.Labels}}",
                "pa-node-2",
            ])
            .unwrap(),
    )
    .unwrap();
    for label in labels.as_object().unwrap().keys() {
        if label.starts_with("io.partner-api.image-") {
            manager
                .docker(&["node", "update", "--label-rm", label, "pa-node-2"])
                .unwrap();
        }
    }
    for n in 0..2 {
        let id = deployed.create(manager, &format!("late-{n}")).await;
        assert_eq!(deployed.instance(&id).await["node"], "pa-node-1");
    }

    let _ = swarm.manager().docker(&["stack", "rm", STACK]);
    drop(relay);
}

/// The instances of `gone` answer 503 with the page and say `why`, none runs on another node,
/// and those of `stayed` answer as before.
async fn expect_unreachable(
    deployed: &Deployed,
    manager: &Node,
    gone: &[(String, String)],
    stayed: &[(String, String)],
    why: &str,
) {
    for (id, subdomain) in gone {
        eventually(
            Duration::from_secs(60),
            &format!("the instance object says {why}"),
            || async {
                let instance = deployed.instance(id).await;
                instance["unavailable"]
                    .as_str()
                    .is_some_and(|said| said.contains(why))
                    && instance["status"] == "ready"
            },
        )
        .await;
        let (status, body) = deployed.via_router(subdomain, "/").await;
        assert_eq!(status, 503, "{body}");
        assert!(body.contains("unreachable"), "{body}");
        // Pinned to the node with their volume, they are not started anywhere else.
        let tasks = manager
            .docker(&[
                "service",
                "ps",
                &format!("inbox-{id}"),
                "--format",
                "{{.Node}} {{.CurrentState}}",
            ])
            .unwrap();
        assert!(!tasks.contains("pa-node-1 Running"), "{tasks}");
    }
    for (_, subdomain) in stayed {
        let (status, body) = deployed
            .via_router(subdomain, "/api/v1/status/health")
            .await;
        assert_eq!(status, 200, "{subdomain} on the node that stayed: {body}");
    }
}

/// The instances of `gone` answer through the router again and no longer say they cannot.
async fn expect_back(deployed: &Deployed, gone: &[(String, String)]) {
    for (id, subdomain) in gone {
        eventually(
            Duration::from_secs(90),
            "the instance answers again",
            || async {
                deployed
                    .via_router(subdomain, "/api/v1/status/health")
                    .await
                    .0
                    == 200
            },
        )
        .await;
        eventually(
            Duration::from_secs(30),
            "the instance object no longer says it is unavailable",
            || async { deployed.instance(id).await["unavailable"].is_null() },
        )
        .await;
    }
}
