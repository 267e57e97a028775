//! `--driver docker`: each instance a container `inbox-<id>` on one Docker engine, its data on the
//! volume `inbox-<id>-data`, its port published on 127.0.0.1 only. The containers' labels are the
//! record of what runs; a container with our name but not our labels is never touched.

mod container;

use super::engine::{
    self, engine_error, is_conflict, is_not_found, is_not_modified, volume, Engine, EngineSettings,
};
use super::{Driver, DriverError, InstanceSpec, Placement};
use crate::domain::InstanceId;
use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum as State};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder, StartContainerOptions, StopContainerOptionsBuilder,
    UploadToContainerOptionsBuilder,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How long `ensure` waits for a container to run (the engine may be restarting it).
const ENSURE_TIMEOUT: Duration = Duration::from_secs(20);
const STOP_GRACE_SECONDS: i32 = 5;

pub struct DockerDriver {
    engine: Engine,
}

impl DockerDriver {
    pub async fn connect(settings: EngineSettings) -> anyhow::Result<Self> {
        Ok(Self {
            engine: Engine::connect(settings).await?,
        })
    }

    /// The instance's container if there is one; one that is not ours is an error.
    async fn ours(&self, id: &InstanceId) -> Result<Option<ContainerInspectResponse>, DriverError> {
        let name = engine::workload_name(id);
        let answer = self
            .engine
            .docker
            .inspect_container(&name, None::<InspectContainerOptions>)
            .await;
        let found = engine::found(answer, "inspecting the container")?;
        engine::owned(
            found,
            |c| c.config.as_ref()?.labels.as_ref(),
            id,
            "container",
        )
    }

    async fn create(&self, spec: &InstanceSpec) -> Result<(), DriverError> {
        engine::require_image(&self.engine.docker, &self.engine.settings.image).await?;
        volume::ensure(&self.engine.docker, spec).await?;
        let name = engine::workload_name(&spec.id);
        let options = CreateContainerOptionsBuilder::new().name(&name).build();
        let body = container::create_body(spec, &self.engine.settings);
        match self
            .engine
            .docker
            .create_container(Some(options), body)
            .await
        {
            Ok(_) => Ok(()),
            // A twin (another replica, or the reconciler) created it first: it is there.
            Err(e) if is_conflict(&e) => Ok(()),
            Err(e) => Err(engine_error("creating the container", e)),
        }
    }

    /// Places the current bootstrap in the container, then starts it.
    async fn start(&self, spec: &InstanceSpec) -> Result<(), DriverError> {
        let name = engine::workload_name(&spec.id);
        let options = UploadToContainerOptionsBuilder::new()
            .path(container::BOOT_DIR)
            .build();
        let tar = engine::bootstrap_tar(spec)?;
        self.engine
            .docker
            .upload_to_container(&name, Some(options), bollard::body_full(tar.into()))
            .await
            .map_err(|e| engine_error("placing the bootstrap in the container", e))?;
        match self
            .engine
            .docker
            .start_container(&name, None::<StartContainerOptions>)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if is_not_modified(&e) => Ok(()),
            Err(e) => Err(DriverError::StartFailed(format!("starting {name}: {e}"))),
        }
    }
}

#[async_trait::async_trait]
impl Driver for DockerDriver {
    fn name(&self) -> &'static str {
        "docker"
    }

    async fn ensure(&self, spec: &InstanceSpec) -> Result<Placement, DriverError> {
        let deadline = Instant::now() + ENSURE_TIMEOUT;
        let mut last_state = None;
        let mut pause = Duration::from_millis(50);
        loop {
            match self.ours(&spec.id).await? {
                None => self.create(spec).await?,
                // Made with other front-end settings (a mount cannot change): made again, on
                // the same volume.
                Some(container)
                    if !engine::front_end_matches(
                        container.config.as_ref().and_then(|c| c.labels.as_ref()),
                        spec,
                    ) =>
                {
                    tracing::info!(instance = %spec.id, "replacing the container: the front-end settings changed");
                    self.remove_container(&spec.id).await?;
                }
                Some(container) => {
                    let state = container.state.as_ref().and_then(|s| s.status);
                    match state {
                        Some(State::RUNNING) => {
                            if let Some(endpoint) = container::endpoint(&container) {
                                return Ok(endpoint.into());
                            }
                        }
                        Some(State::CREATED | State::EXITED) => self.start(spec).await?,
                        Some(State::PAUSED) => {
                            let name = engine::workload_name(&spec.id);
                            self.engine
                                .docker
                                .unpause_container(&name)
                                .await
                                .map_err(|e| engine_error("unpausing the container", e))?;
                        }
                        // A dead container cannot start again: a new one takes over its volume.
                        Some(State::DEAD) => self.remove_container(&spec.id).await?,
                        // Restarting or being removed: the engine is on it.
                        _ => {}
                    }
                    last_state = state;
                }
            }
            if Instant::now() >= deadline {
                return Err(DriverError::StartFailed(format!(
                    "{} is still {} after {ENSURE_TIMEOUT:?}; see `docker logs {}`",
                    engine::workload_name(&spec.id),
                    last_state.map_or_else(|| "missing".to_owned(), |s| s.to_string()),
                    engine::workload_name(&spec.id),
                )));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    async fn endpoint(&self, id: &InstanceId) -> Result<Option<Placement>, DriverError> {
        Ok(self.ours(id).await?.and_then(|c| {
            let running = c.state.as_ref().and_then(|s| s.running) == Some(true);
            running
                .then(|| container::endpoint(&c))
                .flatten()
                .map(Placement::from)
        }))
    }

    async fn stop(&self, id: &InstanceId) -> Result<(), DriverError> {
        if engine::leave_foreign(self.ours(id).await, id)?.is_none() {
            return Ok(());
        }
        let options = StopContainerOptionsBuilder::new()
            .t(STOP_GRACE_SECONDS)
            .build();
        match self
            .engine
            .docker
            .stop_container(&engine::workload_name(id), Some(options))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if is_not_modified(&e) || is_not_found(&e) => Ok(()),
            Err(e) => Err(engine_error("stopping the container", e)),
        }
    }

    async fn remove(&self, id: &InstanceId) -> Result<(), DriverError> {
        if engine::leave_foreign(self.ours(id).await, id)?.is_some() {
            self.remove_container(id).await?;
        }
        volume::remove(&self.engine.docker, id, None).await
    }

    async fn list(&self) -> Result<Vec<InstanceId>, DriverError> {
        let mut filters = engine::label_filter(None);
        filters.insert(
            "status".to_owned(),
            vec!["running".to_owned(), "restarting".to_owned()],
        );
        let options = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&filters)
            .build();
        let containers = self
            .engine
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|e| engine_error("listing the instance containers", e))?;
        Ok(containers
            .iter()
            .filter_map(|c| engine::instance_of(c.labels.as_ref()))
            .collect())
    }

    async fn shutdown(&self) {
        self.engine.shutdown();
    }

    fn exited(&self) -> Option<Arc<Notify>> {
        Some(self.engine.exited())
    }
}

impl DockerDriver {
    async fn remove_container(&self, id: &InstanceId) -> Result<(), DriverError> {
        let options = RemoveContainerOptionsBuilder::new().force(true).build();
        match self
            .engine
            .docker
            .remove_container(&engine::workload_name(id), Some(options))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) || is_conflict(&e) => Ok(()),
            Err(e) => Err(engine_error("removing the container", e)),
        }
    }
}
