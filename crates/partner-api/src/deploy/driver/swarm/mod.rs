//! `--driver swarm`: each instance a Swarm service `inbox-<id>` with one replica, its data on the
//! volume `inbox-<id>-data`, its bootstrap a secret named by its digest, reached through the
//! node's gateway bridge (`reach.rs`). Services' labels are the record of what runs.

mod reach;
mod secret;
mod service;

use super::engine::{
    self, engine_error, is_conflict, is_not_found, volume, Engine, EngineSettings,
};
use super::{Driver, DriverError, Endpoint, InstanceSpec};
use crate::domain::InstanceId;
use bollard::models::Service;
use bollard::query_parameters::{
    InspectServiceOptions, ListContainersOptionsBuilder, ListServicesOptionsBuilder,
    UpdateServiceOptions,
};
use reach::TaskReach;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How long `ensure` waits for the service's task to run.
const ENSURE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `remove` waits for the task containers to go before it deletes the volume.
const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(30);

pub struct SwarmDriver {
    engine: Engine,
    network: String,
}

impl SwarmDriver {
    pub async fn connect(settings: EngineSettings, network: String) -> anyhow::Result<Self> {
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
        Ok(Self { engine, network })
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
        engine::require_image(&self.engine.docker, &self.engine.settings.image).await?;
        reach::ensure_network(&self.engine.docker, &self.network).await?;
        let secret = secret::ensure(&self.engine.docker, spec).await?;
        let service = service::spec(spec, &self.engine.settings, &self.network, &secret);
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
        let (Some(mut service_spec), Some(version)) =
            (current.spec, current.version.and_then(|v| v.index))
        else {
            return Err(DriverError::Other(anyhow::anyhow!(
                "the engine answered a service without spec or version"
            )));
        };
        service_spec.mode = Some(service::replicas(replicas));
        if let Some(spec) = spec {
            engine::require_image(&self.engine.docker, &self.engine.settings.image).await?;
            let secret = secret::ensure(&self.engine.docker, spec).await?;
            if let Some(container) = service_spec
                .task_template
                .as_mut()
                .and_then(|t| t.container_spec.as_mut())
            {
                container.secrets = Some(vec![service::secret_mount(&secret)]);
            }
        }
        let options = UpdateServiceOptions {
            version: i32::try_from(version).unwrap_or(i32::MAX),
            ..Default::default()
        };
        let name = engine::workload_name(id);
        match self
            .engine
            .docker
            .update_service(&name, service_spec, options, None)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err(engine_error("updating the service", e)),
        }
    }

    /// Gives a running service the spec's whole definition (mounts, labels, bootstrap); Swarm
    /// replaces its task, stop-first.
    async fn replace(&self, spec: &InstanceSpec, current: Service) -> Result<(), DriverError> {
        let version = current
            .version
            .and_then(|v| v.index)
            .ok_or_else(|| DriverError::Other(anyhow::anyhow!("the service has no version")))?;
        engine::require_image(&self.engine.docker, &self.engine.settings.image).await?;
        let secret = secret::ensure(&self.engine.docker, spec).await?;
        let wanted = service::spec(spec, &self.engine.settings, &self.network, &secret);
        let options = UpdateServiceOptions {
            version: i32::try_from(version).unwrap_or(i32::MAX),
            ..Default::default()
        };
        self.engine
            .docker
            .update_service(&engine::workload_name(&spec.id), wanted, options, None)
            .await
            .map(|_| ())
            .map_err(|e| engine_error("updating the service", e))
    }

    async fn wait_for_task(&self, id: &InstanceId) -> Result<Endpoint, DriverError> {
        let deadline = Instant::now() + ENSURE_TIMEOUT;
        loop {
            match reach::running_task(&self.engine.docker, id).await? {
                TaskReach::At(endpoint) => return Ok(endpoint),
                TaskReach::Elsewhere(node) => {
                    return Err(DriverError::NeedsOperator(format!(
                        "the task of {} runs on node {node}; this control plane reaches only tasks \
                         on its own node through docker_gwbridge",
                        engine::workload_name(id)
                    )))
                }
                TaskReach::NotRunning if Instant::now() >= deadline => {
                    return Err(DriverError::StartFailed(format!(
                        "no task of {} runs after {ENSURE_TIMEOUT:?}; see `docker service ps {}`",
                        engine::workload_name(id),
                        engine::workload_name(id)
                    )))
                }
                TaskReach::NotRunning => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}

#[async_trait::async_trait]
impl Driver for SwarmDriver {
    fn name(&self) -> &'static str {
        "swarm"
    }

    async fn ensure(&self, spec: &InstanceSpec) -> Result<Endpoint, DriverError> {
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
        let endpoint = self.wait_for_task(&spec.id).await?;
        if started {
            let current = secret::name_for(spec)?;
            if let Err(e) =
                secret::remove_all_but(&self.engine.docker, &spec.id, Some(&current)).await
            {
                tracing::debug!(instance = %spec.id, error = %e, "removing earlier bootstrap secrets");
            }
        }
        Ok(endpoint)
    }

    async fn endpoint(&self, id: &InstanceId) -> Result<Option<Endpoint>, DriverError> {
        if self.ours(id).await?.is_none() {
            return Ok(None);
        }
        Ok(match reach::running_task(&self.engine.docker, id).await? {
            TaskReach::At(endpoint) => Some(endpoint),
            TaskReach::Elsewhere(_) | TaskReach::NotRunning => None,
        })
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
        if engine::leave_foreign(self.ours(id).await, id)?.is_some() {
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
        volume::remove(&self.engine.docker, id).await?;
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

impl SwarmDriver {
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
