//! Where instances run. A driver holds no state the database does not also hold: it can be asked
//! at any time to make an instance run (`ensure`), to stop it, to remove it, and what it runs, and
//! each of these is idempotent.

mod docker;
pub mod engine;
mod process;
mod swarm;

pub use docker::DockerDriver;
pub use engine::EngineSettings;
pub use process::ProcessDriver;
pub use swarm::{
    mark_node_image, node_image_label, SharedVolumes, SwarmDriver, SwarmReach, VolumeOption,
};

use crate::domain::InstanceId;
use instance_contract::bootstrap::Bootstrap;

/// Everything a driver needs to run one instance.
#[derive(Clone, Debug)]
pub struct InstanceSpec {
    pub id: InstanceId,
    pub partner_id: String,
    pub subdomain: String,
    pub bootstrap: Bootstrap,
}

/// `host:port` where the instance's HTTP server answers, as seen from the control plane.
pub type Endpoint = String;

/// Where a running instance is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub endpoint: Endpoint,
    /// The machine it runs on, for a driver that spans several (a Swarm node's name).
    pub node: Option<String>,
}

/// On the one machine of a driver that has no others.
impl From<Endpoint> for Placement {
    fn from(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            node: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("the instance could not be started: {0}")]
    StartFailed(String),
    /// Retrying cannot help until the operator acts (an image to build, a name to free): the
    /// deployment fails at once with this message.
    #[error("{0}")]
    NeedsOperator(String),
    /// The machine the instance is bound to cannot be reached (a Swarm node that is down); it
    /// serves again, without anyone's help, when the machine is back.
    #[error("{0}")]
    MachineUnreachable(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

#[async_trait::async_trait]
pub trait Driver: Send + Sync {
    fn name(&self) -> &'static str;

    /// Makes the instance run with this spec and answers where; an instance already running is
    /// left as it is.
    async fn ensure(&self, spec: &InstanceSpec) -> Result<Placement, DriverError>;

    /// Where the instance runs, if it does.
    async fn endpoint(&self, id: &InstanceId) -> Result<Option<Placement>, DriverError>;

    /// Stops the instance and keeps its data.
    async fn stop(&self, id: &InstanceId) -> Result<(), DriverError>;

    /// Stops the instance and deletes its data.
    async fn remove(&self, id: &InstanceId) -> Result<(), DriverError>;

    /// The instances it runs.
    async fn list(&self) -> Result<Vec<InstanceId>, DriverError>;

    /// Stops what this process runs itself, at shutdown (engines keep their containers).
    async fn shutdown(&self) {}

    /// Woken when an instance stops by itself, so the reconciler can act at once.
    fn exited(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        None
    }
}
