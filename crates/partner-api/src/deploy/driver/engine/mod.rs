//! The Docker Engine, as the docker and swarm drivers and the image command use it: the connection
//! and its errors (`client`), the names and labels of what the drivers create (Docker's labels are
//! the record of what is ours), the limits of an instance, and the bootstrap file.

mod client;
pub mod events;
pub mod volume;

pub use client::{
    connect, connect_at, host, is_conflict, is_not_found, is_not_modified, status_of,
};

use super::{DriverError, InstanceSpec};
use crate::domain::InstanceId;
use crate::images::{INSTANCE_PORT, INSTANCE_UID};
use bollard::models::{Mount, MountTypeEnum};
use bollard::Docker;
use instance_contract::bootstrap::FrontEndBootstrap;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub const MANAGED: &str = "io.partner-api.managed";
pub const INSTANCE: &str = "io.partner-api.instance";
pub const PARTNER: &str = "io.partner-api.partner";
/// On a container or service: a digest of the front-end settings it was made with (absent
/// without any), so a start of the control plane with other ones replaces it.
pub const FRONT_END: &str = "io.partner-api.front-end";
/// Where the operator's web root is mounted, read-only, in an instance container.
pub const WEB_ROOT_IN_CONTAINER: &str = "/web";

/// The connection both engine drivers hold, and the follower of their containers' events.
pub struct Engine {
    pub docker: Docker,
    pub settings: EngineSettings,
    exited: Arc<Notify>,
    stop_events: CancellationToken,
}

impl Engine {
    pub async fn connect(settings: EngineSettings) -> anyhow::Result<Self> {
        let docker = connect().await?;
        if let Err(e) = require_image(&docker, &settings.image).await {
            tracing::warn!("{e}");
        }
        let exited = Arc::new(Notify::new());
        let stop_events = CancellationToken::new();
        tokio::spawn(events::follow(
            docker.clone(),
            events::containers(),
            exited.clone(),
            stop_events.clone(),
        ));
        Ok(Self {
            docker,
            settings,
            exited,
            stop_events,
        })
    }

    /// Also wakes the reconciler on these events.
    pub fn follow(&self, filters: HashMap<String, Vec<String>>) {
        tokio::spawn(events::follow(
            self.docker.clone(),
            filters,
            self.exited.clone(),
            self.stop_events.clone(),
        ));
    }

    /// Woken when one of our containers dies or starts.
    pub fn exited(&self) -> Arc<Notify> {
        self.exited.clone()
    }

    pub fn shutdown(&self) {
        self.stop_events.cancel();
    }
}

/// How each instance container is sized and what it runs.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// The instance image (`partner-api images build` makes it).
    pub image: String,
    pub memory_mb: u64,
    pub cpus: f64,
}

impl EngineSettings {
    pub fn memory_bytes(&self) -> i64 {
        (self.memory_mb * 1024 * 1024) as i64
    }

    pub fn nano_cpus(&self) -> i64 {
        (self.cpus * 1e9) as i64
    }
}

/// The container (docker) or service (swarm) of an instance.
pub fn workload_name(id: &InstanceId) -> String {
    format!("inbox-{id}")
}

pub fn volume_name(id: &InstanceId) -> String {
    format!("inbox-{id}-data")
}

pub fn labels(id: &InstanceId, partner: &str) -> HashMap<String, String> {
    HashMap::from([
        (MANAGED.to_owned(), "true".to_owned()),
        (INSTANCE.to_owned(), id.to_string()),
        (PARTNER.to_owned(), partner.to_owned()),
    ])
}

/// The labels of the container or service itself: those of every object, and its front-end's.
pub fn workload_labels(spec: &InstanceSpec) -> HashMap<String, String> {
    let mut labels = labels(&spec.id, &spec.partner_id);
    if let Some(digest) = front_end_digest(spec) {
        labels.insert(FRONT_END.to_owned(), digest);
    }
    labels
}

/// Whether a container or service with these labels runs with the spec's front-end settings.
pub fn front_end_matches(labels: Option<&HashMap<String, String>>, spec: &InstanceSpec) -> bool {
    let current = labels.and_then(|l| l.get(FRONT_END)).cloned();
    current == front_end_digest(spec)
}

fn front_end_digest(spec: &InstanceSpec) -> Option<String> {
    let front_end = &spec.bootstrap.front_end;
    if *front_end == FrontEndBootstrap::default() {
        return None;
    }
    let json = serde_json::to_vec(front_end).ok()?;
    Some(crate::crypto::sha256_hex(&json)[..16].to_owned())
}

/// The operator's web root, bound read-only where the instance's bootstrap says it is.
pub fn web_root_mount(spec: &InstanceSpec) -> Option<Mount> {
    let host = spec.bootstrap.front_end.web_root.as_ref()?;
    Some(Mount {
        target: Some(WEB_ROOT_IN_CONTAINER.to_owned()),
        source: Some(host.display().to_string()),
        typ: Some(MountTypeEnum::BIND),
        read_only: Some(true),
        ..Default::default()
    })
}

/// Whether these labels say the object was made by this platform for this instance.
pub fn is_ours(labels: Option<&HashMap<String, String>>, id: &InstanceId) -> bool {
    labels.is_some_and(|l| {
        l.get(MANAGED).map(String::as_str) == Some("true")
            && l.get(INSTANCE).map(String::as_str) == Some(id.as_str())
    })
}

/// The instance a labelled object belongs to.
pub fn instance_of(labels: Option<&HashMap<String, String>>) -> Option<InstanceId> {
    labels
        .and_then(|l| l.get(INSTANCE))
        .and_then(|raw| InstanceId::parse(raw))
}

/// A filter on this platform's objects, or on one instance's.
pub fn label_filter(id: Option<&InstanceId>) -> HashMap<String, Vec<String>> {
    let mut labels = vec![format!("{MANAGED}=true")];
    if let Some(id) = id {
        labels.push(format!("{INSTANCE}={id}"));
    }
    HashMap::from([("label".to_owned(), labels)])
}

/// An object with our name that this platform did not make: never touched, and the operator is told.
pub fn not_ours(kind: &str, name: &str) -> DriverError {
    DriverError::NeedsOperator(format!(
        "a {kind} named {name} exists that this platform did not create (it lacks the label \
         {MANAGED}=true for this instance); it was left untouched: remove or rename it, then \
         deploy again"
    ))
}

/// The image's id; fails at once, with the command that fixes it, when the engine lacks it.
pub async fn require_image(docker: &Docker, image: &str) -> Result<String, DriverError> {
    match docker.inspect_image(image).await {
        Ok(found) => found.id.ok_or_else(|| {
            DriverError::Other(anyhow::anyhow!(
                "the engine answered the image {image} without its id"
            ))
        }),
        Err(e) if is_not_found(&e) => Err(DriverError::NeedsOperator(format!(
            "the instance image {image} is missing on the Docker engine at {}; build it with \
             `partner-api images build --tag {image}`",
            host()
        ))),
        Err(e) => Err(engine_error("looking for the instance image", e)),
    }
}

/// An inspect answer: the object, or `None` when the engine has none of that name.
pub fn found<T>(
    answer: Result<T, bollard::errors::Error>,
    doing: &str,
) -> Result<Option<T>, DriverError> {
    match answer {
        Ok(object) => Ok(Some(object)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(engine_error(doing, e)),
    }
}

/// The object found under the instance's name if it is ours; an error naming it if it is not.
pub fn owned<T>(
    found: Option<T>,
    labels: impl FnOnce(&T) -> Option<&HashMap<String, String>>,
    id: &InstanceId,
    kind: &str,
) -> Result<Option<T>, DriverError> {
    match found {
        Some(object) if !is_ours(labels(&object), id) => Err(not_ours(kind, &workload_name(id))),
        found => Ok(found),
    }
}

/// For stop and remove: a foreign object is left alone and there is nothing of ours to act on.
pub fn leave_foreign<T>(
    owned: Result<Option<T>, DriverError>,
    id: &InstanceId,
) -> Result<Option<T>, DriverError> {
    match owned {
        Err(DriverError::NeedsOperator(why)) => {
            tracing::warn!(instance = %id, "left untouched: {why}");
            Ok(None)
        }
        other => other,
    }
}

pub fn engine_error(doing: &str, err: bollard::errors::Error) -> DriverError {
    DriverError::Other(anyhow::anyhow!("{doing}: {err}"))
}

/// The instance's arguments inside its container.
pub fn instance_args(bootstrap_path: &str) -> Vec<String> {
    [
        "--bootstrap",
        bootstrap_path,
        "--data-dir",
        "/data",
        "--listen",
        &format!("0.0.0.0:{INSTANCE_PORT}"),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The bootstrap as the container sees it: the web root at its mount point.
pub fn bootstrap_json(spec: &InstanceSpec) -> Result<Vec<u8>, DriverError> {
    let mut bootstrap = spec.bootstrap.clone();
    if bootstrap.front_end.web_root.is_some() {
        bootstrap.front_end.web_root = Some(WEB_ROOT_IN_CONTAINER.into());
    }
    serde_json::to_vec(&bootstrap)
        .map_err(|e| DriverError::Other(anyhow::anyhow!("encoding the bootstrap: {e}")))
}

/// `bootstrap.json` in a tar, readable by the instance's user alone, for the archive API.
pub fn bootstrap_tar(spec: &InstanceSpec) -> Result<Vec<u8>, DriverError> {
    let json = bootstrap_json(spec)?;
    let mut header = crate::images::file_header(0o600, INSTANCE_UID, json.len() as u64);
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_data(&mut header, "bootstrap.json", json.as_slice())
        .and_then(|()| builder.into_inner())
        .map_err(|e| DriverError::Other(anyhow::anyhow!("packing the bootstrap: {e}")))
}
