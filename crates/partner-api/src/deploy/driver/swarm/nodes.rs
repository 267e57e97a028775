//! The nodes of the swarm, as instances see them: which ones hold the instance image (a node
//! label `images build` and the driver set, which the services' placement requires), the node an
//! instance is pinned to with its volume, and whether that node is up.

use super::super::engine::engine_error;
use super::super::DriverError;
use bollard::models::{Node, NodeSpecAvailabilityEnum, NodeState};
use bollard::query_parameters::UpdateNodeOptionsBuilder;
use bollard::Docker;

/// The node label saying a node holds the image with this id (`sha256:…`).
pub fn image_label(image_id: &str) -> String {
    let hex = image_id.strip_prefix("sha256:").unwrap_or(image_id);
    format!("io.partner-api.image-{}", &hex[..hex.len().min(12)])
}

/// The placement constraint: only nodes holding the image.
pub fn image_constraint(image_id: &str) -> String {
    format!("node.labels.{} == true", image_label(image_id))
}

const PIN_PREFIX: &str = "node.id == ";

/// The placement constraint binding an instance to the node that holds its volume.
pub fn pin_constraint(node_id: &str) -> String {
    format!("{PIN_PREFIX}{node_id}")
}

/// The node a service's constraints pin it to.
pub fn pinned_node(constraints: &[String]) -> Option<&str> {
    constraints.iter().find_map(|c| c.strip_prefix(PIN_PREFIX))
}

/// A node as the instance object and `/metrics` name it, and whether it can run tasks now.
pub struct NodeView {
    pub name: String,
    /// Ready, and not drained.
    pub up: bool,
    /// What the swarm says of it when it is not up (`down`, `disconnected`, `drained`, …).
    pub state: String,
}

pub async fn view(docker: &Docker, node_id: &str) -> Result<NodeView, DriverError> {
    let node = docker
        .inspect_node(node_id)
        .await
        .map_err(|e| engine_error("inspecting a swarm node", e))?;
    Ok(view_of(&node, node_id))
}

fn view_of(node: &Node, node_id: &str) -> NodeView {
    let state = node.status.as_ref().and_then(|s| s.state);
    // A drained node runs no task; one pinned there waits for it to be active again.
    let drained =
        node.spec.as_ref().and_then(|s| s.availability) == Some(NodeSpecAvailabilityEnum::DRAIN);
    NodeView {
        name: node
            .description
            .as_ref()
            .and_then(|d| d.hostname.clone())
            .unwrap_or_else(|| node_id.to_owned()),
        up: state == Some(NodeState::READY) && !drained,
        state: match state {
            Some(NodeState::READY) if drained => "drained".to_owned(),
            Some(state) => state.to_string(),
            None => "unknown".to_owned(),
        },
    }
}

/// The id of the swarm node this engine is (empty if it is in no swarm).
pub async fn own_id(docker: &Docker) -> Result<String, DriverError> {
    Ok(docker
        .info()
        .await
        .map_err(|e| engine_error("asking the engine which node it is", e))?
        .swarm
        .and_then(|s| s.node_id)
        .unwrap_or_default())
}

/// Labels the node as holding the image, through a manager; a node labelled already is left
/// as it is.
pub async fn mark_image(
    manager: &Docker,
    node_id: &str,
    image_id: &str,
) -> Result<(), DriverError> {
    let node = manager
        .inspect_node(node_id)
        .await
        .map_err(|e| engine_error("inspecting a swarm node", e))?;
    let label = image_label(image_id);
    let (Some(mut spec), Some(version)) = (node.spec, node.version.and_then(|v| v.index)) else {
        return Err(DriverError::Other(anyhow::anyhow!(
            "the engine answered a node without spec or version"
        )));
    };
    let labels = spec.labels.get_or_insert_with(Default::default);
    if labels.get(&label).map(String::as_str) == Some("true") {
        return Ok(());
    }
    labels.insert(label, "true".to_owned());
    let options = UpdateNodeOptionsBuilder::new()
        .version(i64::try_from(version).unwrap_or(i64::MAX))
        .build();
    manager
        .update_node(node_id, spec, options)
        .await
        .map_err(|e| engine_error("labelling a swarm node", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_name_the_image_and_the_node_and_the_pin_is_read_back() {
        let id = "sha256:05192539efe6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0";
        assert_eq!(
            image_constraint(id),
            "node.labels.io.partner-api.image-05192539efe6 == true"
        );
        let constraints = vec![image_constraint(id), pin_constraint("put5yuza3ystcy45")];
        assert_eq!(pinned_node(&constraints), Some("put5yuza3ystcy45"));
        assert_eq!(pinned_node(&constraints[..1]), None);
    }
}
