//! `--driver swarm`: each instance a Swarm service `inbox-<id>` with one replica, its data on the
//! volume `inbox-<id>-data`, its bootstrap a secret named by its digest, reached by name over the
//! overlay network or through the node's gateway bridge (`reach.rs`). Swarm places a new
//! instance on a node holding the image (`nodes.rs`); once it runs, the service is pinned to
//! that node, where its volume is, unless the volume is on shared storage (`volumes.rs`); a
//! deleted instance's volume on another node is emptied there (`wipe.rs`). Services' labels are
//! the record of what runs.

mod nodes;
mod reach;
mod secret;
mod service;
mod volumes;
mod wipe;

pub use nodes::{image_label as node_image_label, mark_image as mark_node_image};
pub use reach::SwarmReach;
pub use volumes::{SharedVolumes, VolumeOption};

use super::engine::{
    self, engine_error, is_conflict, is_not_found, volume, Engine, EngineSettings,
};
use super::{Driver, DriverError, InstanceSpec, Placement};
use crate::domain::InstanceId;
use bollard::models::{MountVolumeOptionsDriverConfig, Service, ServiceSpec};
use bollard::query_parameters::{
    InspectServiceOptions, ListContainersOptionsBuilder, ListServicesOptionsBuilder,
    UpdateServiceOptions,
};
use reach::TaskReach;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How long `ensure` waits for the service's task to run.
const ENSURE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `remove` waits for the task containers to go before it deletes the volume.
const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(30);

pub struct SwarmDriver {
    engine: Engine,
    network: String,
    reach: SwarmReach,
    /// The storage of new instances' volumes when it is shared by every node.
    shared_volumes: Option<SharedVolumes>,
    /// The images this process has labelled its own node as holding.
    marked: Mutex<HashSet<String>>,
}

impl SwarmDriver {
    pub async fn connect(
        settings: EngineSettings,
        network: String,
        reach: SwarmReach,
        shared_volumes: Option<SharedVolumes>,
    ) -> anyhow::Result<Self> {
        let engine = Engine::connect(settings).await?;
        let info = engine.docker.info().await?;
        let active = info
            .swarm
            .as_ref()
            .and_then(|s| s.control_available)
            .unwrap_or(false);
        anyhow::ensure!(
            active,
            "--driver swarm needs this Docker engine ({}) to be a Swarm manager: `docker swarm init`",
            engine::host()
        );
        engine.follow(engine::events::nodes());
        Ok(Self {
            engine,
            network,
            reach,
            shared_volumes,
            marked: Mutex::default(),
        })
    }

    /// The id of the instance image, which this manager's node holds (and is labelled as
    /// holding, so a single-node swarm needs no more than `images build`).
    async fn image_id(&self) -> Result<String, DriverError> {
        let docker = &self.engine.docker;
        let image_id = engine::require_image(docker, &self.engine.settings.image).await?;
        let known = self
            .marked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&image_id);
        if !known {
            nodes::mark_image(docker, &nodes::own_id(docker).await?, &image_id).await?;
            self.marked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(image_id.clone());
        }
        Ok(image_id)
    }

    /// The service's whole definition: placed on a node with the image, kept on `pinned`, its
    /// volume of `volume_driver` (`None`: the node's own).
    async fn service_spec(
        &self,
        spec: &InstanceSpec,
        pinned: Option<&str>,
        volume_driver: Option<MountVolumeOptionsDriverConfig>,
    ) -> Result<bollard::models::ServiceSpec, DriverError> {
        let image_id = self.image_id().await?;
        let secret = secret::ensure(&self.engine.docker, spec).await?;
        let constraints = std::iter::once(nodes::image_constraint(&image_id))
            .chain(pinned.map(nodes::pin_constraint))
            .collect();
        let target = service::Target {
            image_id: &image_id,
            network: &self.network,
            constraints,
            volume_driver,
        };
        Ok(service::spec(spec, &self.engine.settings, target, &secret))
    }

    /// The instance's service if there is one; one that is not ours is an error.
    async fn ours(&self, id: &InstanceId) -> Result<Option<Service>, DriverError> {
        let name = engine::workload_name(id);
        let answer = self
            .engine
            .docker
            .inspect_service(&name, None::<InspectServiceOptions>)
            .await;
        let found = engine::found(answer, "inspecting the service")?;
        engine::owned(found, |s| s.spec.as_ref()?.labels.as_ref(), id, "service")
    }

    async fn create(&self, spec: &InstanceSpec) -> Result<(), DriverError> {
        reach::ensure_network(&self.engine.docker, &self.network).await?;
        let volume_driver = self
            .shared_volumes
            .as_ref()
            .map(|shared| shared.driver_config(&engine::volume_name(&spec.id)));
        let service = self.service_spec(spec, None, volume_driver).await?;
        match self.engine.docker.create_service(service, None).await {
            Ok(_) => Ok(()),
            Err(e) if is_conflict(&e) => Ok(()),
            Err(e) => Err(engine_error("creating the service", e)),
        }
    }

    /// Sets the replicas of a service (0 stops it, keeping everything else); scaling up also
    /// mounts the current bootstrap.
    async fn scale(
        &self,
        id: &InstanceId,
        current: Service,
        replicas: i64,
        spec: Option<&InstanceSpec>,
    ) -> Result<(), DriverError> {
        let (mut service_spec, version) = spec_and_version(current)?;
        service_spec.mode = Some(service::replicas(replicas));
        if let Some(spec) = spec {
            self.image_id().await?;
            let secret = secret::ensure(&self.engine.docker, spec).await?;
            if let Some(container) = service_spec
                .task_template
                .as_mut()
                .and_then(|t| t.container_spec.as_mut())
            {
                container.secrets = Some(vec![service::secret_mount(&secret)]);
            }
        }
        self.update(id, service_spec, version)
            .await
            .map_err(|e| engine_error("updating the service", e))
    }

    /// Gives a running service the spec's whole definition (mounts, labels, bootstrap); Swarm
    /// replaces its task, stop-first.
    async fn replace(&self, spec: &InstanceSpec, current: Service) -> Result<(), DriverError> {
        let (current_spec, version) = spec_and_version(current)?;
        // The volume stays where it is, whatever the settings now say of new ones.
        let wanted = self
            .service_spec(
                spec,
                nodes::pinned_node(service::constraints_of(&current_spec)),
                volumes::driver_config_of(&current_spec),
            )
            .await?;
        self.update(&spec.id, wanted, version)
            .await
            .map_err(|e| engine_error("updating the service", e))
    }

    /// Gives the service this definition, if it is still at `version` (else the engine refuses).
    async fn update(
        &self,
        id: &InstanceId,
        spec: ServiceSpec,
        version: u64,
    ) -> Result<(), bollard::errors::Error> {
        let options = UpdateServiceOptions {
            version: i32::try_from(version).unwrap_or(i32::MAX),
            ..Default::default()
        };
        self.engine
            .docker
            .update_service(&engine::workload_name(id), spec, options, None)
            .await
            .map(|_| ())
    }

    async fn wait_for_task(&self, id: &InstanceId) -> Result<Placement, DriverError> {
        let deadline = Instant::now() + ENSURE_TIMEOUT;
        loop {
            match self.reach(id).await? {
                Some(placement) => return Ok(placement),
                None if Instant::now() >= deadline => {
                    let name = engine::workload_name(id);
                    let mut why = reach::pending_reason(&self.engine.docker, id)
                        .await
                        .unwrap_or_default();
                    if why.contains("no suitable node") {
                        why.push_str(
                            "; a node runs instances only once it holds the image: \
                             `partner-api images build --engine <each node's engine>`",
                        );
                    }
                    return Err(DriverError::StartFailed(format!(
                        "no task of {name} runs after {ENSURE_TIMEOUT:?}{why}; see `docker service ps {name}`"
                    )));
                }
                None => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// Where the instance's task runs now, pinning the service to that node the first time;
    /// an error when its node is down or out of this control plane's reach.
    async fn reach(&self, id: &InstanceId) -> Result<Option<Placement>, DriverError> {
        let Some(service) = self.ours(id).await? else {
            return Ok(None);
        };
        let (spec, version) = spec_and_version(service)?;
        let docker = &self.engine.docker;
        match reach::running_task(docker, id, self.reach).await? {
            TaskReach::At(placement, node_id) => {
                let pinned = nodes::pinned_node(service::constraints_of(&spec)).is_some();
                if !pinned && !volumes::may_move(&spec) {
                    self.pin(id, spec, version, &node_id).await?;
                }
                Ok(Some(placement))
            }
            TaskReach::NodeDown(node) => Err(node_down(&node)),
            TaskReach::Elsewhere(node) => Err(DriverError::NeedsOperator(format!(
                "the task of {} runs on node {node}; with --swarm-reach gateway this control plane \
                 reaches only tasks on its own node (run it on the overlay network: deploy/stack.yml)",
                engine::workload_name(id)
            ))),
            TaskReach::NotRunning => {
                match nodes::pinned_node(service::constraints_of(&spec)) {
                    Some(node_id) if service::replicas_of(&spec) > 0 => {
                        let node = nodes::view(docker, node_id).await?;
                        if node.up {
                            Ok(None)
                        } else {
                            Err(node_down(&node))
                        }
                    }
                    _ => Ok(None),
                }
            }
        }
    }

    /// Keeps the service on the node its volume is on. Swarm leaves a task that already runs
    /// there as it is when only the constraints change.
    async fn pin(
        &self,
        id: &InstanceId,
        mut spec: ServiceSpec,
        version: u64,
        node_id: &str,
    ) -> Result<(), DriverError> {
        let task = spec.task_template.get_or_insert_with(Default::default);
        task.placement
            .get_or_insert_with(Default::default)
            .constraints
            .get_or_insert_with(Vec::new)
            .push(nodes::pin_constraint(node_id));
        match self.update(id, spec, version).await {
            Ok(()) => Ok(()),
            // Changed meanwhile (a twin pinned it, or scaled it): the next look pins it.
            Err(e) if engine::status_of(&e) == Some(500) || is_conflict(&e) => Ok(()),
            Err(e) => Err(engine_error("pinning the service to its node", e)),
        }
    }
}

#[async_trait::async_trait]
impl Driver for SwarmDriver {
    fn name(&self) -> &'static str {
        "swarm"
    }

    async fn ensure(&self, spec: &InstanceSpec) -> Result<Placement, DriverError> {
        // A running service is left as it is; only one that is created or scaled up mounts
        // the current bootstrap, and then the earlier ones can go.
        let started = match self.ours(&spec.id).await? {
            None => {
                self.create(spec).await?;
                true
            }
            Some(current) if current.spec.as_ref().map_or(0, service::replicas_of) == 0 => {
                self.scale(&spec.id, current, 1, Some(spec)).await?;
                true
            }
            Some(current)
                if !engine::front_end_matches(
                    current.spec.as_ref().and_then(|s| s.labels.as_ref()),
                    spec,
                ) =>
            {
                tracing::info!(instance = %spec.id, "updating the service: the front-end settings changed");
                self.replace(spec, current).await?;
                true
            }
            Some(_) => false,
        };
        let placement = self.wait_for_task(&spec.id).await?;
        if started {
            let current = secret::name_for(spec)?;
            if let Err(e) =
                secret::remove_all_but(&self.engine.docker, &spec.id, Some(&current)).await
            {
                tracing::debug!(instance = %spec.id, error = %e, "removing earlier bootstrap secrets");
            }
        }
        Ok(placement)
    }

    async fn endpoint(&self, id: &InstanceId) -> Result<Option<Placement>, DriverError> {
        match self.reach(id).await {
            Err(DriverError::NeedsOperator(_)) => Ok(None),
            found => found,
        }
    }

    async fn stop(&self, id: &InstanceId) -> Result<(), DriverError> {
        match engine::leave_foreign(self.ours(id).await, id)? {
            Some(current) if current.spec.as_ref().map_or(0, service::replicas_of) > 0 => {
                self.scale(id, current, 0, None).await
            }
            _ => Ok(()),
        }
    }

    async fn remove(&self, id: &InstanceId) -> Result<(), DriverError> {
        // What the settings say now, for a service already gone (a retried removal).
        let mut shared_driver = self.shared_volumes.as_ref().map(|s| s.driver.clone());
        if let Some(current) = engine::leave_foreign(self.ours(id).await, id)? {
            let (spec, version) = spec_and_version(current)?;
            shared_driver = volumes::driver_config_of(&spec).and_then(|d| d.name);
            self.wipe_elsewhere(id, spec, version).await?;
            match self
                .engine
                .docker
                .delete_service(&engine::workload_name(id))
                .await
            {
                Ok(()) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(engine_error("removing the service", e)),
            }
        }
        self.wait_for_task_containers_to_go(id).await?;
        volume::remove(&self.engine.docker, id, shared_driver.as_deref()).await?;
        secret::remove_all_but(&self.engine.docker, id, None).await
    }

    async fn list(&self) -> Result<Vec<InstanceId>, DriverError> {
        let options = ListServicesOptionsBuilder::new()
            .filters(&engine::label_filter(None))
            .build();
        let services = self
            .engine
            .docker
            .list_services(Some(options))
            .await
            .map_err(|e| engine_error("listing the instance services", e))?;
        Ok(services
            .iter()
            .filter_map(|s| s.spec.as_ref())
            .filter(|spec| service::replicas_of(spec) > 0)
            .filter_map(|spec| engine::instance_of(spec.labels.as_ref()))
            .collect())
    }

    async fn shutdown(&self) {
        self.engine.shutdown();
    }

    fn exited(&self) -> Option<Arc<Notify>> {
        Some(self.engine.exited())
    }
}

/// A service's definition and the version an update of it must name.
fn spec_and_version(service: Service) -> Result<(ServiceSpec, u64), DriverError> {
    match (service.spec, service.version.and_then(|v| v.index)) {
        (Some(spec), Some(version)) => Ok((spec, version)),
        _ => Err(DriverError::Other(anyhow::anyhow!(
            "the engine answered a service without spec or version"
        ))),
    }
}

fn node_down(node: &nodes::NodeView) -> DriverError {
    DriverError::MachineUnreachable(format!(
        "its node {} is {}; it answers again when the node is back",
        node.name, node.state
    ))
}

impl SwarmDriver {
    /// The data of an instance pinned to another node than this manager's, whose engine removes
    /// only its own node's volumes: emptied there (`wipe`) once its task has stopped, before its
    /// service goes. If that node is down, this fails and the removal is tried again later.
    async fn wipe_elsewhere(
        &self,
        id: &InstanceId,
        spec: ServiceSpec,
        version: u64,
    ) -> Result<(), DriverError> {
        let Some(node_id) = nodes::pinned_node(service::constraints_of(&spec)).map(str::to_owned)
        else {
            return Ok(());
        };
        if volumes::may_move(&spec) || node_id == nodes::own_id(&self.engine.docker).await? {
            return Ok(());
        }
        let image = spec
            .task_template
            .as_ref()
            .and_then(|t| t.container_spec.as_ref())
            .and_then(|c| c.image.clone())
            .ok_or_else(|| DriverError::Other(anyhow::anyhow!("the service names no image")))?;
        if service::replicas_of(&spec) > 0 {
            let mut stopped = spec;
            stopped.mode = Some(service::replicas(0));
            self.update(id, stopped, version)
                .await
                .map_err(|e| engine_error("stopping the service", e))?;
        }
        reach::wait_until_no_task_runs(&self.engine.docker, id, TEARDOWN_TIMEOUT).await?;
        wipe::on_node(&self.engine.docker, id, &node_id, &image).await
    }

    /// A deleted service's task containers linger a moment, holding the volume.
    async fn wait_for_task_containers_to_go(&self, id: &InstanceId) -> Result<(), DriverError> {
        let deadline = Instant::now() + TEARDOWN_TIMEOUT;
        let options = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&engine::label_filter(Some(id)))
            .build();
        loop {
            let left = self
                .engine
                .docker
                .list_containers(Some(options.clone()))
                .await
                .map_err(|e| engine_error("listing the service's containers", e))?;
            if left.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(DriverError::Other(anyhow::anyhow!(
                    "{} containers of {} are still there after {TEARDOWN_TIMEOUT:?}",
                    left.len(),
                    engine::workload_name(id)
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
