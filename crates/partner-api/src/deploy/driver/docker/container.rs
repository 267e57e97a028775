//! The container of one instance: its settings at creation, and where a running one answers.

use super::super::engine::{self, EngineSettings};
use super::super::{Endpoint, InstanceSpec};
use crate::images::INSTANCE_PORT;
use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, HostConfig, Mount, MountTypeEnum, PortBinding,
    RestartPolicy, RestartPolicyNameEnum,
};
use std::collections::HashMap;

pub const BOOT_DIR: &str = "/boot";

fn port_key() -> String {
    format!("{INSTANCE_PORT}/tcp")
}

/// The instance on `127.0.0.1:<a free port>` of the engine's host, its data on its own volume,
/// restarted by the engine unless we stop it, within its memory and CPU limits.
pub fn create_body(spec: &InstanceSpec, settings: &EngineSettings) -> ContainerCreateBody {
    let port_bindings = HashMap::from([(
        port_key(),
        Some(vec![PortBinding {
            host_ip: Some("127.0.0.1".to_owned()),
            host_port: Some(String::new()),
        }]),
    )]);
    ContainerCreateBody {
        image: Some(settings.image.clone()),
        cmd: Some(engine::instance_args(&format!("{BOOT_DIR}/bootstrap.json"))),
        labels: Some(engine::workload_labels(spec)),
        exposed_ports: Some(HashMap::from([(port_key(), HashMap::new())])),
        host_config: Some(HostConfig {
            port_bindings: Some(port_bindings),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            memory: Some(settings.memory_bytes()),
            nano_cpus: Some(settings.nano_cpus()),
            pids_limit: Some(256),
            cap_drop: Some(vec!["ALL".to_owned()]),
            security_opt: Some(vec!["no-new-privileges".to_owned()]),
            mounts: Some(
                [Mount {
                    target: Some("/data".to_owned()),
                    source: Some(engine::volume_name(&spec.id)),
                    typ: Some(MountTypeEnum::VOLUME),
                    ..Default::default()
                }]
                .into_iter()
                .chain(engine::web_root_mount(spec))
                .collect(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `127.0.0.1:<host port>` of a running container, once the engine has published its port.
pub fn endpoint(container: &ContainerInspectResponse) -> Option<Endpoint> {
    let ports = container.network_settings.as_ref()?.ports.as_ref()?;
    let binding = ports.get(&port_key())?.as_ref()?.first()?;
    let port = binding.host_port.as_deref().filter(|p| !p.is_empty())?;
    Some(format!("127.0.0.1:{port}"))
}
