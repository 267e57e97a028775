//! The Swarm service of one instance: one replica of the instance image, its volume, its
//! bootstrap as a secret, its limits, restarted on any exit, updated stop-first (two tasks must
//! never share the SQLite volume), on the instances' overlay network and published nowhere.

use super::super::engine::{self, EngineSettings};
use super::super::InstanceSpec;
use crate::images::INSTANCE_UID;
use bollard::models::{
    EndpointSpec, EndpointSpecModeEnum, Limit, Mount, MountTypeEnum, MountVolumeOptions,
    MountVolumeOptionsDriverConfig, NetworkAttachmentConfig, ServiceSpec, ServiceSpecMode,
    ServiceSpecModeReplicated, ServiceSpecUpdateConfig, ServiceSpecUpdateConfigFailureActionEnum,
    ServiceSpecUpdateConfigOrderEnum, TaskSpec, TaskSpecContainerSpec, TaskSpecContainerSpecFile,
    TaskSpecContainerSpecSecrets, TaskSpecPlacement, TaskSpecResources, TaskSpecRestartPolicy,
    TaskSpecRestartPolicyConditionEnum,
};

const SECOND_NS: i64 = 1_000_000_000;
const BOOTSTRAP_FILE: &str = "bootstrap.json";

/// The secret a service mounts as its bootstrap file.
pub struct SecretRef {
    pub id: String,
    pub name: String,
}

/// Where a service runs: the image (by id, so no node asks a registry for it), the network, the
/// placement constraints, and the driver of its volume (`None`: the node's own, see `volumes`).
pub struct Target<'a> {
    pub image_id: &'a str,
    pub network: &'a str,
    pub constraints: Vec<String>,
    pub volume_driver: Option<MountVolumeOptionsDriverConfig>,
}

pub fn spec(
    spec: &InstanceSpec,
    settings: &EngineSettings,
    target: Target<'_>,
    secret: &SecretRef,
) -> ServiceSpec {
    let labels = engine::labels(&spec.id, &spec.partner_id);
    let volume = Mount {
        target: Some("/data".to_owned()),
        source: Some(engine::volume_name(&spec.id)),
        typ: Some(MountTypeEnum::VOLUME),
        volume_options: Some(MountVolumeOptions {
            labels: Some(labels.clone()),
            driver_config: target.volume_driver,
            ..Default::default()
        }),
        ..Default::default()
    };
    let container = TaskSpecContainerSpec {
        image: Some(target.image_id.to_owned()),
        labels: Some(labels.clone()),
        args: Some(engine::instance_args(&format!(
            "/run/secrets/{BOOTSTRAP_FILE}"
        ))),
        // The web root must be at the same path on every node that may run the task.
        mounts: Some(
            [volume]
                .into_iter()
                .chain(engine::web_root_mount(spec))
                .collect(),
        ),
        secrets: Some(vec![secret_mount(secret)]),
        stop_grace_period: Some(5 * SECOND_NS),
        capability_drop: Some(vec!["ALL".to_owned()]),
        ..Default::default()
    };
    ServiceSpec {
        name: Some(engine::workload_name(&spec.id)),
        labels: Some(engine::workload_labels(spec)),
        task_template: Some(TaskSpec {
            container_spec: Some(container),
            resources: Some(TaskSpecResources {
                limits: Some(Limit {
                    nano_cpus: Some(settings.nano_cpus()),
                    memory_bytes: Some(settings.memory_bytes()),
                    pids: None,
                }),
                reservations: None,
            }),
            restart_policy: Some(TaskSpecRestartPolicy {
                condition: Some(TaskSpecRestartPolicyConditionEnum::ANY),
                delay: Some(SECOND_NS),
                max_attempts: Some(0),
                window: Some(0),
            }),
            networks: Some(vec![NetworkAttachmentConfig {
                target: Some(target.network.to_owned()),
                ..Default::default()
            }]),
            placement: Some(TaskSpecPlacement {
                constraints: Some(target.constraints),
                ..Default::default()
            }),
            ..Default::default()
        }),
        // One task: its name resolves to the task itself, with no virtual IP (which needs IPVS).
        endpoint_spec: Some(EndpointSpec {
            mode: Some(EndpointSpecModeEnum::DNSRR),
            ..Default::default()
        }),
        mode: Some(replicas(1)),
        update_config: Some(ServiceSpecUpdateConfig {
            parallelism: Some(1),
            order: Some(ServiceSpecUpdateConfigOrderEnum::STOP_FIRST),
            failure_action: Some(ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK),
            monitor: Some(5 * SECOND_NS),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn constraints_of(spec: &ServiceSpec) -> &[String] {
    spec.task_template
        .as_ref()
        .and_then(|t| t.placement.as_ref())
        .and_then(|p| p.constraints.as_deref())
        .unwrap_or_default()
}

pub fn replicas(count: i64) -> ServiceSpecMode {
    ServiceSpecMode {
        replicated: Some(ServiceSpecModeReplicated {
            replicas: Some(count),
        }),
        ..Default::default()
    }
}

pub fn replicas_of(spec: &ServiceSpec) -> i64 {
    spec.mode
        .as_ref()
        .and_then(|m| m.replicated.as_ref())
        .and_then(|r| r.replicas)
        .unwrap_or(0)
}

/// Mounts the secret as `/run/secrets/bootstrap.json`, readable by the instance's user alone.
pub fn secret_mount(secret: &SecretRef) -> TaskSpecContainerSpecSecrets {
    TaskSpecContainerSpecSecrets {
        file: Some(TaskSpecContainerSpecFile {
            name: Some(BOOTSTRAP_FILE.to_owned()),
            uid: Some(INSTANCE_UID.to_string()),
            gid: Some(INSTANCE_UID.to_string()),
            mode: Some(0o400),
        }),
        secret_id: Some(secret.id.clone()),
        secret_name: Some(secret.name.clone()),
    }
}
