//! The named volume that keeps an instance's data across container restarts and re-creations.

use super::{engine_error, is_ours, labels, not_ours, volume_name};
use super::{is_conflict, is_not_found};
use crate::deploy::driver::{DriverError, InstanceSpec};
use crate::domain::InstanceId;
use bollard::models::VolumeCreateOptions;
use bollard::query_parameters::RemoveVolumeOptions;
use bollard::Docker;
use std::time::Duration;

/// Creates the volume with our labels; one of that name that is not ours is an error.
pub async fn ensure(docker: &Docker, spec: &InstanceSpec) -> Result<(), DriverError> {
    let name = volume_name(&spec.id);
    match docker.inspect_volume(&name).await {
        Ok(volume) if is_ours(Some(&volume.labels), &spec.id) => return Ok(()),
        Ok(_) => return Err(not_ours("volume", &name)),
        Err(e) if is_not_found(&e) => {}
        Err(e) => return Err(engine_error("inspecting the volume", e)),
    }
    let options = VolumeCreateOptions {
        name: Some(name),
        labels: Some(labels(&spec.id, &spec.partner_id)),
        ..Default::default()
    };
    docker
        .create_volume(options)
        .await
        .map(drop)
        .map_err(|e| engine_error("creating the volume", e))
}

/// Deletes the volume if it is ours. A container that still holds it (a task being torn down)
/// is waited for a little. A volume of `shared_driver` is ours by its name alone: the engine
/// that made it (perhaps on another node) keeps its labels, the driver does not.
pub async fn remove(
    docker: &Docker,
    id: &InstanceId,
    shared_driver: Option<&str>,
) -> Result<(), DriverError> {
    let name = volume_name(id);
    for _ in 0..100 {
        match docker.inspect_volume(&name).await {
            Ok(volume) if is_ours(Some(&volume.labels), id) => {}
            Ok(volume) if shared_driver == Some(volume.driver.as_str()) => {}
            Ok(_) => {
                tracing::warn!(instance = %id, volume = name, "not removing a volume that is not ours");
                return Ok(());
            }
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(engine_error("inspecting the volume", e)),
        }
        match docker
            .remove_volume(&name, None::<RemoveVolumeOptions>)
            .await
        {
            Ok(()) => return Ok(()),
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) if is_conflict(&e) => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(e) => return Err(engine_error("removing the volume", e)),
        }
    }
    Err(DriverError::Other(anyhow::anyhow!(
        "the volume {name} is still in use"
    )))
}
