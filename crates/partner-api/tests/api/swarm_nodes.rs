//! The control plane as a stack (`deploy/stack.yml`) on a real swarm of two working nodes: a
//! control-plane replica on each, instances on both nodes, each reached through the router of
//! either node by its service name over the overlay network, a node that goes away and comes
//! back, a drained node, and instances on shared storage that move when their node is drained.
//!
//! What this machine cannot show: its kernel has no IPVS, which Swarm's routing mesh (ingress
//! publishing) and virtual IPs need. The stack is deployed with `PARTNER_API_PUBLISH_MODE=host`,
//! so each node's router answers on that node's address (with the mesh, any node's address
//! reaches any replica), and a rolling update of the control plane cannot be shown to lose no
//! request: without the mesh a node's port is closed while its replica is replaced. Instance
//! services use DNS round robin, which needs no IPVS, on every machine.

use crate::engine;
use crate::shared_volume_plugin::SharedVolumePlugin;
use crate::support::{
    inbox_bin, partner_api_bin, save_password_via, PostgresDatabase, SANDBOX_KEY,
};
use crate::test_swarm::{Node, TestSwarm, HOST_ADDRESS};
use base64::Engine;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

const STACK: &str = "pa";
const PASSWORD: &str = "correct-horse-battery";
const SIMULATOR: &str = "/sandbox/360dialog/simulator/channels";
const CUSTOMER: &str = "4915112345678";

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

fn build_images(swarm: &TestSwarm) {
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
    /// Node 1's Partner API.
    api: String,
    /// The router of each working node, by node name.
    routers: BTreeMap<String, String>,
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
        self.create_with(manager, subdomain, false).await.0
    }

    /// Creates an instance, with an activation link if asked, and waits until it is ready; its
    /// id and the create answer.
    async fn create_with(
        &self,
        manager: &Node,
        subdomain: &str,
        generate_activation: bool,
    ) -> (String, Value) {
        let body = json!({
            "channel_id": format!("Ch{}", subdomain.replace('-', "")),
            "subdomain": subdomain,
            "generate_activation": generate_activation,
        });
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
                return (id, created);
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

    /// Deletes the instance and waits until it is deleted.
    async fn delete(&self, id: &str) {
        let asked = self
            .client
            .delete(format!("{}/v1/instances/{id}", self.api))
            .bearer_auth(SANDBOX_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(asked.status(), 202);
        eventually(
            Duration::from_secs(120),
            "the instance is deleted",
            || async { self.instance(id).await["status"] == "deleted" },
        )
        .await;
    }

    async fn instance(&self, id: &str) -> Value {
        self.get(&format!("/v1/instances/{id}")).await.1
    }

    /// The status of `path` through node 1's router, and its body.
    async fn via_router(&self, subdomain: &str, path: &str) -> (u16, String) {
        self.via_router_of("pa-node-1", subdomain, path).await
    }

    /// The status of `path` through the router of `node`, and its body.
    async fn via_router_of(&self, node: &str, subdomain: &str, path: &str) -> (u16, String) {
        match self
            .to_instance(node, Method::GET, subdomain, path)
            .send()
            .await
        {
            Ok(answer) => (
                answer.status().as_u16(),
                answer.text().await.unwrap_or_default(),
            ),
            Err(e) => (0, format!("{e:?}")),
        }
    }

    /// A request to the instance at `subdomain` through the router of `node`.
    fn to_instance(
        &self,
        node: &str,
        method: Method,
        subdomain: &str,
        path: &str,
    ) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.routers[node]))
            .header("host", format!("{subdomain}.inbox.localhost"))
    }

    /// A request to the instance as its admin, through node 1's router.
    fn as_admin(&self, token: &str, method: Method, subdomain: &str, path: &str) -> RequestBuilder {
        self.to_instance("pa-node-1", method, subdomain, path)
            .header("authorization", format!("Token {token}"))
    }

    /// Sets the admin's password with the instance's activation link, through the router.
    async fn activate(&self, subdomain: &str, activation_url: &str) {
        let saved = save_password_via(
            &self.routers["pa-node-1"],
            &format!("{subdomain}.inbox.localhost"),
            activation_url,
            PASSWORD,
        )
        .await;
        assert_eq!(saved.status(), 303, "the password is saved");
    }

    /// The admin's API token for the password, through node 1's router, or the status refusing it.
    async fn sign_in(&self, subdomain: &str) -> Result<String, u16> {
        let answer = self
            .to_instance("pa-node-1", Method::POST, subdomain, "/api/v1/auth/token/")
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await
            .map_err(|_| 0u16)?;
        if answer.status() != 200 {
            return Err(answer.status().as_u16());
        }
        let body: Value = answer.json().await.map_err(|_| 0u16)?;
        Ok(body["token"].as_str().unwrap_or_default().to_owned())
    }

    /// A customer writes to the instance's number through the sandbox's simulator (on node 1's
    /// control plane, which delivers it through its router), the instance has it, and the
    /// admin's answer reaches the emulated 360Dialog: the instance reached the control plane
    /// over the overlay network, from whichever node it runs on.
    async fn converse(&self, subdomain: &str, token: &str, said: &str, answered: &str) {
        let channel = format!("Ch{}", subdomain.replace('-', ""));
        let simulator = format!("{}{SIMULATOR}/{channel}", self.api);
        let wrote: Value = self
            .client
            .post(format!("{simulator}/inbound"))
            .bearer_auth(SANDBOX_KEY)
            .json(&json!({"from": CUSTOMER, "name": "Ada Lovelace", "text": said}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            wrote["status"], 200,
            "the instance took the message: {wrote}"
        );
        let sent = self
            .as_admin(token, Method::POST, subdomain, "/api/v1/messages/")
            .json(&json!({"wa_id": CUSTOMER, "type": "text", "text": {"body": answered}}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            sent.status(),
            201,
            "{}",
            sent.text().await.unwrap_or_default()
        );
        eventually(
            Duration::from_secs(30),
            "the answer reaches 360Dialog",
            || async {
                let got: Value = self
                    .client
                    .get(format!("{simulator}/sent"))
                    .bearer_auth(SANDBOX_KEY)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap_or(Value::Null);
                got["messages"].as_array().is_some_and(|sent| {
                    sent.iter()
                        .any(|m| m.pointer("/text/body") == Some(&json!(answered)))
                })
            },
        )
        .await;
    }

    /// The texts of the conversation with the customer, as the instance keeps it.
    async fn conversation(&self, subdomain: &str, token: &str) -> Vec<String> {
        let path = format!("/api/v1/messages/?wa_id={CUSTOMER}&limit=100");
        let page: Value = self
            .as_admin(token, Method::GET, subdomain, &path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m.pointer("/waba_payload/text/body").and_then(Value::as_str))
            .map(str::to_owned)
            .collect()
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
    let mut swarm = TestSwarm::start();
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
    let plugin = SharedVolumePlugin::start("pa-shared-test");
    let stack = Stack {
        database_url: &database_url,
    };
    stack.deploy(manager, &[]);

    let working = ["pa-node-1", "pa-node-2"];
    let address_of = |name: &str| {
        swarm
            .nodes
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.address.clone())
            .unwrap()
    };
    let deployed = Deployed {
        api: format!("http://{}:8000", manager.address),
        routers: working
            .iter()
            .map(|&node| (node.to_owned(), format!("http://{}:8080", address_of(node))))
            .collect(),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
    };
    stack.wait_until_it_answers(manager, &deployed).await;

    // Instances until both nodes hold some; each answers through the router of either node.
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
        working,
        "Swarm placed instances on both nodes"
    );
    for router in working {
        for (_, subdomain) in on_node.values().flatten() {
            let (status, body) = deployed
                .via_router_of(router, subdomain, "/api/v1/status/health")
                .await;
            assert_eq!(status, 200, "{subdomain} through {router}'s router: {body}");
        }
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

    // Node 2 goes away, its control-plane replica with it: its instances answer 503 and say
    // why; node 1's go on. It comes back: they serve again, with no one's help, and so does
    // its router.
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
    for (_, subdomain) in on_node.values().flatten() {
        eventually(
            Duration::from_secs(120),
            "node 2's router answers again",
            || async {
                deployed
                    .via_router_of("pa-node-2", subdomain, "/api/v1/status/health")
                    .await
                    .0
                    == 200
            },
        )
        .await;
    }

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

    // With shared storage configured (the stack deployed again: a rolling update of the
    // control plane), new instances are not pinned: drained, a node's shared instances move
    // with their data to the other node and answer there.
    stack.deploy(
        manager,
        &[("PARTNER_API_SWARM_VOLUME_DRIVER", &plugin.name)],
    );
    stack.wait_until_updated(manager, &deployed).await;
    for node in &swarm.nodes[..2] {
        announce_volume_driver(manager, node, &plugin.name).await;
    }
    let mut moving = None;
    let mut tasks = String::new();
    for n in 0..8 {
        let subdomain = format!("moving-{n}");
        let (id, created) = deployed.create_with(manager, &subdomain, true).await;
        if deployed.instance(&id).await["node"] == "pa-node-2" {
            moving = Some((id, subdomain, created));
            break;
        }
        tasks += &manager
            .docker(&["service", "ps", "--no-trunc", &format!("inbox-{id}")])
            .unwrap_or_else(|e| e);
    }
    let Some((id, subdomain, created)) = moving else {
        panic!("Swarm placed a shared instance on node 2; their tasks:\n{tasks}");
    };
    deployed
        .activate(&subdomain, created["activation_url"].as_str().unwrap())
        .await;
    let token = deployed
        .sign_in(&subdomain)
        .await
        .expect("the admin signs in");
    deployed
        .converse(&subdomain, &token, "Hello node 2", "Hello from node 2")
        .await;
    let folder = plugin.folder(&format!("inbox-{id}-data"));
    assert!(
        std::fs::read_dir(&folder).is_ok_and(|mut files| files.next().is_some()),
        "its data is on the shared storage, {}",
        folder.display()
    );
    availability("drain");
    eventually(
        Duration::from_secs(90),
        "the shared instance runs on node 1 and answers there",
        || async {
            let instance = deployed.instance(&id).await;
            instance["node"] == "pa-node-1"
                && instance["unavailable"].is_null()
                && deployed
                    .via_router(&subdomain, "/api/v1/status/health")
                    .await
                    .0
                    == 200
        },
    )
    .await;
    let token = deployed
        .sign_in(&subdomain)
        .await
        .expect("the admin's password moved with it");
    deployed
        .converse(&subdomain, &token, "Moved?", "Yes, to node 1")
        .await;
    let texts = deployed.conversation(&subdomain, &token).await;
    for text in [
        "Hello node 2",
        "Hello from node 2",
        "Moved?",
        "Yes, to node 1",
    ] {
        assert!(
            texts.iter().any(|t| t == text),
            "the conversation moved with it: {texts:?}"
        );
    }
    expect_unreachable(&deployed, manager, gone, stayed, "pa-node-2 is drained").await;
    availability("active");
    expect_back(&deployed, gone).await;

    // Deleted, an instance's data goes on the node that holds it: emptied there by a job for
    // one pinned to node 2 (the manager's engine removes its own node's volumes only), removed
    // through the driver for one on shared storage.
    let (pinned, _) = &gone[0];
    deployed.delete(pinned).await;
    let mountpoint = swarm.nodes[1]
        .docker(&[
            "volume",
            "inspect",
            "--format",
            "{{.Mountpoint}}",
            &format!("inbox-{pinned}-data"),
        ])
        .unwrap();
    let left: Vec<_> = std::fs::read_dir(&mountpoint)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "node 2 keeps none of its data: {left:?}");
    deployed.delete(&id).await;
    assert!(
        !folder.exists(),
        "the shared storage keeps none of its data"
    );
    let services = manager
        .docker(&["service", "ls", "--format", "{{.Name}}"])
        .unwrap();
    assert!(!services.contains("wipe"), "no job is left: {services}");

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

/// Makes `node`'s engine load the volume plugin, as installing it would, and waits until the swarm
/// knows: Swarm places a task with a plugin's volume only on nodes whose engine reports that
/// plugin, and an engine reports a plugin found by its socket once it has used it.
async fn announce_volume_driver(manager: &Node, node: &Node, driver: &str) {
    let probe = "pa-plugin-probe";
    node.docker(&["volume", "create", "--driver", driver, probe])
        .unwrap_or_else(|e| panic!("{} uses {driver}: {e}", node.name));
    node.docker(&["volume", "rm", probe]).unwrap();
    eventually(
        Duration::from_secs(90),
        &format!("the swarm knows {} has {driver}", node.name),
        || async {
            manager
                .docker(&[
                    "node",
                    "inspect",
                    "--format",
                    "{{json .Description.Engine.Plugins}}",
                    &node.name,
                ])
                .is_ok_and(|plugins| plugins.contains(driver))
        },
    )
    .await;
}

/// `deploy/stack.yml` as the test deploys it: host publishing and the control plane's name by DNS
/// round robin (no IPVS here), a replica on each working node, stop-first updates (with host publishing a node's ports are free only once its
/// old replica stops). Both replicas use node 1's engine socket: the engines share this
/// machine's file system, so one socket path names one engine everywhere; on real machines
/// each manager's replica uses its own.
struct Stack<'a> {
    database_url: &'a str,
}

impl Stack<'_> {
    fn deploy(&self, manager: &Node, more: &[(&str, &str)]) {
        let stack_file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/stack.yml");
        let socket = manager.host();
        let env: Vec<(&str, &str)> = [
            ("DATABASE_URL", self.database_url),
            (
                "PARTNER_API_DOCKER_SOCKET",
                socket.trim_start_matches("unix://"),
            ),
            ("PARTNER_API_PUBLISH_MODE", "host"),
            ("PARTNER_API_REPLICAS", "2"),
            ("PARTNER_API_UPDATE_ORDER", "stop-first"),
            ("PARTNER_API_ENDPOINT_MODE", "dnsrr"),
        ]
        .into_iter()
        .chain(more.iter().copied())
        .collect();
        manager
            .docker_with(&env, &["stack", "deploy", "-c", stack_file, STACK])
            .expect("docker stack deploy takes deploy/stack.yml");
    }

    fn service(&self) -> String {
        format!("{STACK}_partner-api")
    }

    /// What the control plane's tasks and log say, for a failed wait.
    fn state(&self, manager: &Node) -> String {
        format!(
            "its tasks:\n{}\nits log:\n{}",
            manager
                .docker(&["service", "ps", "--no-trunc", &self.service()])
                .unwrap_or_else(|e| e),
            manager.service_logs(&self.service()),
        )
    }

    /// Until the Partner API answers on node 1 and every router answers.
    async fn wait_until_it_answers(&self, manager: &Node, deployed: &Deployed) {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let mut answering = deployed.get("/v1/instances").await.0 == 200;
            for router in deployed.routers.values() {
                // Any answer from the router itself: an unknown host is its 404.
                answering &= deployed
                    .client
                    .get(format!("{router}/"))
                    .send()
                    .await
                    .is_ok_and(|a| a.status() == 404);
            }
            if answering {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the control plane answers on both nodes within 180 s; {}",
                self.state(manager)
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Until the rolling update `deploy` started has replaced every replica, and they answer.
    async fn wait_until_updated(&self, manager: &Node, deployed: &Deployed) {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let update = manager
                .docker(&[
                    "service",
                    "inspect",
                    "--format",
                    "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
                    &self.service(),
                ])
                .unwrap_or_default();
            if update == "completed" {
                break;
            }
            assert!(
                Instant::now() < deadline && !update.contains("rollback"),
                "the control plane's update completes within 300 s (it is `{update}`); {}",
                self.state(manager)
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        self.wait_until_it_answers(manager, deployed).await;
    }
}

/// The instances of `gone` answer 503 with the page (and nothing but that or their own answer
/// meanwhile) and say `why`, none runs on another node, and those of `stayed` answer as before.
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
                // Before the swarm says the node is gone, the router already answers that the
                // instance cannot be reached now: never a 502 or a timeout.
                let (status, body) = deployed.via_router(subdomain, "/").await;
                assert!(
                    status == 200 || (status == 503 && body.contains("unreachable")),
                    "{status} {body}"
                );
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
