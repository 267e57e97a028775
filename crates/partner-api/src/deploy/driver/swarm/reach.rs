//! How the router reaches a Swarm task without the ingress mesh (which publishes on every
//! address): each task is on an attachable overlay network, so the engine also gives it an
//! address on this node's `docker_gwbridge` bridge, which this host reaches directly. Tasks on
//! other nodes are not reachable this way (see the README for a multi-host swarm).

use super::super::engine::is_not_found;
use super::super::engine::{self, engine_error};
use super::super::{DriverError, Endpoint};
use crate::domain::InstanceId;
use crate::images::INSTANCE_PORT;
use bollard::models::{NetworkCreateRequest, TaskState};
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

/// What a service's task looks like from here right now.
pub enum TaskReach {
    /// Running on this node, at this address.
    At(Endpoint),
    /// Running on another node, which this host cannot reach through its gateway bridge.
    Elsewhere(String),
    /// Not running (yet).
    NotRunning,
}

pub async fn running_task(docker: &Docker, id: &InstanceId) -> Result<TaskReach, DriverError> {
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
    let Some((container, node)) = running else {
        return Ok(TaskReach::NotRunning);
    };
    let bridge = docker
        .inspect_network(GATEWAY_BRIDGE, None::<InspectNetworkOptions>)
        .await
        .map_err(|e| engine_error("inspecting docker_gwbridge", e))?;
    let address = bridge
        .containers
        .as_ref()
        .and_then(|c| c.get(&container))
        .and_then(|c| c.ipv4_address.as_deref())
        .and_then(|a| a.split('/').next())
        .map(str::to_owned);
    if let Some(ip) = address {
        return Ok(TaskReach::At(format!("{ip}:{INSTANCE_PORT}")));
    }
    let here = docker
        .info()
        .await
        .map_err(|e| engine_error("asking the engine which node it is", e))?
        .swarm
        .and_then(|s| s.node_id);
    Ok(if here.as_deref() == Some(node.as_str()) {
        TaskReach::NotRunning
    } else {
        TaskReach::Elsewhere(node)
    })
}
