//! The bootstrap as a Docker secret. Secrets cannot change, so each is named by the digest of its
//! content: the same bootstrap gives the same secret on every replica, a new one gives another.

use super::super::engine::{self, engine_error};
use super::super::engine::{is_conflict, is_not_found, status_of};
use super::super::{DriverError, InstanceSpec};
use super::service::SecretRef;
use crate::crypto::sha256_hex;
use crate::domain::InstanceId;
use base64::Engine;
use bollard::models::SecretSpec;
use bollard::query_parameters::ListSecretsOptionsBuilder;
use bollard::Docker;
use std::collections::HashMap;

/// `inbox-<id>-bootstrap-<first 12 hex digits of the SHA-256 of the bootstrap>`.
pub fn name_for(spec: &InstanceSpec) -> Result<String, DriverError> {
    let json = engine::bootstrap_json(spec)?;
    Ok(format!(
        "{}-bootstrap-{}",
        engine::workload_name(&spec.id),
        &sha256_hex(&json)[..12]
    ))
}

pub async fn ensure(docker: &Docker, spec: &InstanceSpec) -> Result<SecretRef, DriverError> {
    let json = engine::bootstrap_json(spec)?;
    let name = name_for(spec)?;
    if let Some(existing) = find(docker, &name).await? {
        return Ok(existing);
    }
    let secret = SecretSpec {
        name: Some(name.clone()),
        labels: Some(engine::labels(&spec.id, &spec.partner_id)),
        data: Some(base64::engine::general_purpose::STANDARD.encode(&json)),
        ..Default::default()
    };
    match docker.create_secret(secret).await {
        Ok(created) => Ok(SecretRef {
            id: created.id,
            name,
        }),
        // A twin replica created the same one first.
        Err(e) if is_conflict(&e) => find(docker, &name)
            .await?
            .ok_or_else(|| DriverError::Other(anyhow::anyhow!("the secret {name} vanished"))),
        Err(e) => Err(engine_error("creating the bootstrap secret", e)),
    }
}

async fn find(docker: &Docker, name: &str) -> Result<Option<SecretRef>, DriverError> {
    let filters = HashMap::from([("name".to_owned(), vec![name.to_owned()])]);
    let options = ListSecretsOptionsBuilder::new().filters(&filters).build();
    let secrets = docker
        .list_secrets(Some(options))
        .await
        .map_err(|e| engine_error("listing secrets", e))?;
    // The name filter matches prefixes too.
    Ok(secrets.into_iter().find_map(|s| {
        let found = s.spec.as_ref().and_then(|spec| spec.name.as_deref()) == Some(name);
        found.then(|| SecretRef {
            id: s.id.unwrap_or_default(),
            name: name.to_owned(),
        })
    }))
}

/// Removes the instance's secrets except `keep`; one still in use by a task is left for later.
pub async fn remove_all_but(
    docker: &Docker,
    id: &InstanceId,
    keep: Option<&str>,
) -> Result<(), DriverError> {
    let options = ListSecretsOptionsBuilder::new()
        .filters(&engine::label_filter(Some(id)))
        .build();
    let secrets = docker
        .list_secrets(Some(options))
        .await
        .map_err(|e| engine_error("listing the instance's secrets", e))?;
    for secret in secrets {
        let name = secret.spec.as_ref().and_then(|s| s.name.as_deref());
        let Some(secret_id) = secret.id.as_deref() else {
            continue;
        };
        if name.is_some() && name == keep {
            continue;
        }
        match docker.delete_secret(secret_id).await {
            Ok(()) => {}
            Err(e) if is_not_found(&e) => {}
            // Still mounted by a task that is going away: the next clean-up takes it.
            Err(e) if is_conflict(&e) || status_of(&e) == Some(400) => {
                tracing::debug!(secret = secret_id, error = %e, "secret still in use")
            }
            Err(e) => return Err(engine_error("removing a secret", e)),
        }
    }
    Ok(())
}
