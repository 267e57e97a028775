//! How the router reaches a Swarm task without the ingress mesh (which publishes on every
//! address). A control plane running as a service on the instances' overlay network reaches
//! every task by its service's name (`--swarm-reach overlay`). One running on a manager's host
//! (`gateway`, a one-node swarm) uses the address the engine also gives each task on this
//! node's `docker_gwbridge` bridge, which the host reaches directly; tasks on other nodes are
//! not reachable that way.

use super::super::engine::is_not_found;
use super::super::engine::{self, engine_error};
use super::super::{DriverError, Placement};
use super::nodes::{self, NodeView};
use crate::domain::InstanceId;
use crate::images::INSTANCE_PORT;
use bollard::models::{NetworkCreateRequest, Task, TaskState};
use bollard::query_parameters::{InspectNetworkOptions, ListTasksOptionsBuilder};
use bollard::Docker;
use std::collections::HashMap;

const GATEWAY_BRIDGE: &str = "docker_gwbridge";

/// The overlay network the instances' tasks join; created once, by whichever replica comes first.
pub async fn ensure_network(docker: &Docker, name: &str) -> Result<(), DriverError> {
    match docker
        .inspect_network(name, None::<InspectNetworkOptions>)
        .await
    {
        Ok(_) => return Ok(()),
        Err(e) if is_not_found(&e) => {}
        Err(e) => return Err(engine_error("inspecting the instances' network", e)),
    }
    let request = NetworkCreateRequest {
        name: name.to_owned(),
        driver: Some("overlay".to_owned()),
        attachable: Some(true),
        labels: Some(HashMap::from([(
            engine::MANAGED.to_owned(),
            "true".to_owned(),
        )])),
        ..Default::default()
    };
    match docker.create_network(request).await {
        Ok(_) => Ok(()),
        // A twin created it first: 409, or 500 "name conflicts with an existing object" from swarm.
        Err(e) => match docker
            .inspect_network(name, None::<InspectNetworkOptions>)
            .await
        {
            Ok(_) => Ok(()),
            Err(_) => Err(engine_error("creating the instances' overlay network", e)),
        },
    }
}

/// How the control plane reaches instance tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SwarmReach {
    /// Through each task's address on this node's `docker_gwbridge`: the control plane runs on
    /// a manager's host and reaches only the tasks of its own node (a one-node swarm).
    Gateway,
    /// By service name (`inbox-<id>:8080`) over the instances' overlay network: the control
    /// plane runs as a service on that network (`deploy/stack.yml`) and reaches every node.
    Overlay,
}

/// What a service's task looks like from here right now.
pub enum TaskReach {
    /// Running, and reachable there; with the node's id.
    At(Placement, String),
    /// Running on another node, which this host cannot reach through its gateway bridge.
    Elsewhere(String),
    /// Running on a node the swarm cannot reach now.
    NodeDown(NodeView),
    /// Not running (yet).
    NotRunning,
}

pub async fn running_task(
    docker: &Docker,
    id: &InstanceId,
    mode: SwarmReach,
) -> Result<TaskReach, DriverError> {
    let filters = HashMap::from([
        ("service".to_owned(), vec![engine::workload_name(id)]),
        ("desired-state".to_owned(), vec!["running".to_owned()]),
    ]);
    let options = ListTasksOptionsBuilder::new().filters(&filters).build();
    let tasks = docker
        .list_tasks(Some(options))
        .await
        .map_err(|e| engine_error("listing the service's tasks", e))?;
    let running = tasks.iter().find_map(|t| {
        let status = t.status.as_ref()?;
        (status.state == Some(TaskState::RUNNING)).then_some(())?;
        let container = status.container_status.as_ref()?.container_id.clone()?;
        Some((container, t.node_id.clone().unwrap_or_default()))
    });
    let Some((container, node_id)) = running else {
        return Ok(TaskReach::NotRunning);
    };
    let node = nodes::view(docker, &node_id).await?;
    if !node.up {
        return Ok(TaskReach::NodeDown(node));
    }
    let address = match mode {
        SwarmReach::Overlay => Some(engine::workload_name(id)),
        SwarmReach::Gateway => gateway_address(docker, &container).await?,
    };
    if let Some(host) = address {
        let placement = Placement {
            endpoint: format!("{host}:{INSTANCE_PORT}"),
            node: Some(node.name),
        };
        return Ok(TaskReach::At(placement, node_id));
    }
    Ok(if nodes::own_id(docker).await? == node_id {
        TaskReach::NotRunning
    } else {
        TaskReach::Elsewhere(node.name)
    })
}

/// The container's address on this node's gateway bridge, if it is on this node.
async fn gateway_address(docker: &Docker, container: &str) -> Result<Option<String>, DriverError> {
    let bridge = docker
        .inspect_network(GATEWAY_BRIDGE, None::<InspectNetworkOptions>)
        .await
        .map_err(|e| engine_error("inspecting docker_gwbridge", e))?;
    Ok(bridge
        .containers
        .as_ref()
        .and_then(|c| c.get(container))
        .and_then(|c| c.ipv4_address.as_deref())
        .and_then(|a| a.split('/').next())
        .map(str::to_owned))
}

/// Every task of the service named `service`, whatever its state.
pub async fn tasks_of(docker: &Docker, service: &str) -> Result<Vec<Task>, DriverError> {
    let filters = HashMap::from([("service".to_owned(), vec![service.to_owned()])]);
    let options = ListTasksOptionsBuilder::new().filters(&filters).build();
    docker
        .list_tasks(Some(options))
        .await
        .map_err(|e| engine_error("listing a service's tasks", e))
}

/// Waits until every task of the instance's service has ended (its container stopped, so its
/// database is closed); an error after `limit`, as when its node is down.
pub async fn wait_until_no_task_runs(
    docker: &Docker,
    id: &InstanceId,
    limit: std::time::Duration,
) -> Result<(), DriverError> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let tasks = tasks_of(docker, &engine::workload_name(id)).await?;
        let ended = |state: Option<TaskState>| {
            matches!(
                state,
                Some(
                    TaskState::COMPLETE
                        | TaskState::SHUTDOWN
                        | TaskState::FAILED
                        | TaskState::REJECTED
                        | TaskState::REMOVE
                        | TaskState::ORPHANED
                )
            )
        };
        if tasks
            .iter()
            .all(|t| ended(t.status.as_ref().and_then(|s| s.state)))
        {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(DriverError::Other(anyhow::anyhow!(
                "a task of {} still runs after {limit:?} (is its node up?)",
                engine::workload_name(id)
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Why the service's newest task does not run, as the swarm says (`no suitable node …`), to
/// follow "no task runs".
pub async fn pending_reason(docker: &Docker, id: &InstanceId) -> Option<String> {
    let tasks = tasks_of(docker, &engine::workload_name(id)).await.ok()?;
    let newest = tasks
        .iter()
        .filter(|t| t.status.is_some())
        .max_by_key(|t| t.version.as_ref().and_then(|v| v.index))?;
    let status = newest.status.as_ref()?;
    let why = status.err.clone().or_else(|| status.message.clone())?;
    Some(format!(" ({why})"))
}
