//! Deleting a deleted instance's data on the node that holds it. A manager's API removes the
//! volumes of its own node only; the volume of an instance pinned to another node is emptied
//! there by a one-off Swarm job: the instance's own image (which that node holds: it ran it)
//! running `inbox --wipe-data` with the volume mounted. The empty volume is left behind.

use super::super::engine::{self, engine_error, is_not_found, volume_name};
use super::super::DriverError;
use super::{nodes, reach};
use crate::domain::InstanceId;
use bollard::models::{
    Mount, MountTypeEnum, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicatedJob, TaskSpec,
    TaskSpecContainerSpec, TaskSpecPlacement, TaskSpecRestartPolicy,
    TaskSpecRestartPolicyConditionEnum, TaskState,
};
use bollard::Docker;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long the job may take, its image started on a node that may be busy.
const JOB_TIMEOUT: Duration = Duration::from_secs(60);
/// Marks the job's service, naming the instance (not as `engine::INSTANCE`: it is no instance).
const WIPE_LABEL: &str = "io.partner-api.wipe";

fn job_name(id: &InstanceId) -> String {
    format!("{}-wipe", engine::workload_name(id))
}

/// Empties the instance's volume on `node_id` with `image`, and waits until that is done.
pub async fn on_node(
    docker: &Docker,
    id: &InstanceId,
    node_id: &str,
    image: &str,
) -> Result<(), DriverError> {
    // One of an earlier attempt (this process stopped while it ran) is started afresh.
    remove_job(docker, id).await?;
    docker
        .create_service(job(id, node_id, image), None)
        .await
        .map_err(|e| engine_error("creating the job that deletes the data", e))?;
    let finished = wait_for_job(docker, id).await;
    remove_job(docker, id).await?;
    finished
}

fn job(id: &InstanceId, node_id: &str, image: &str) -> ServiceSpec {
    let volume = Mount {
        target: Some("/data".to_owned()),
        source: Some(volume_name(id)),
        typ: Some(MountTypeEnum::VOLUME),
        ..Default::default()
    };
    ServiceSpec {
        name: Some(job_name(id)),
        labels: Some(HashMap::from([
            (engine::MANAGED.to_owned(), "true".to_owned()),
            (WIPE_LABEL.to_owned(), id.to_string()),
        ])),
        task_template: Some(TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(image.to_owned()),
                args: Some(
                    ["--wipe-data", "--data-dir", "/data"]
                        .map(str::to_owned)
                        .to_vec(),
                ),
                mounts: Some(vec![volume]),
                capability_drop: Some(vec!["ALL".to_owned()]),
                ..Default::default()
            }),
            placement: Some(TaskSpecPlacement {
                constraints: Some(vec![nodes::pin_constraint(node_id)]),
                ..Default::default()
            }),
            restart_policy: Some(TaskSpecRestartPolicy {
                condition: Some(TaskSpecRestartPolicyConditionEnum::NONE),
                ..Default::default()
            }),
            ..Default::default()
        }),
        mode: Some(ServiceSpecMode {
            replicated_job: Some(ServiceSpecModeReplicatedJob {
                max_concurrent: Some(1),
                total_completions: Some(1),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn wait_for_job(docker: &Docker, id: &InstanceId) -> Result<(), DriverError> {
    let deadline = Instant::now() + JOB_TIMEOUT;
    loop {
        let tasks = reach::tasks_of(docker, &job_name(id)).await?;
        let states: Vec<_> = tasks.iter().filter_map(|t| t.status.as_ref()).collect();
        if states.iter().any(|s| s.state == Some(TaskState::COMPLETE)) {
            return Ok(());
        }
        let failed = states.iter().find(|s| {
            matches!(
                s.state,
                Some(TaskState::FAILED | TaskState::REJECTED | TaskState::ORPHANED)
            )
        });
        if let Some(status) = failed {
            let why = status.err.clone().or_else(|| status.message.clone());
            return Err(DriverError::Other(anyhow::anyhow!(
                "deleting the data of {} on its node failed: {}",
                engine::workload_name(id),
                why.unwrap_or_default()
            )));
        }
        if Instant::now() >= deadline {
            return Err(DriverError::Other(anyhow::anyhow!(
                "deleting the data of {} on its node has not finished after {JOB_TIMEOUT:?} \
                 (is the node up? `docker service ps {}`)",
                engine::workload_name(id),
                job_name(id)
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn remove_job(docker: &Docker, id: &InstanceId) -> Result<(), DriverError> {
    match docker.delete_service(&job_name(id)).await {
        Ok(()) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(engine_error("removing the job that deleted the data", e)),
    }
}
