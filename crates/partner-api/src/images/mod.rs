//! `partner-api images build`: the instance image, made once from our own `inbox` binary, the
//! shared libraries it links and empty `/data`, `/boot` and `/tmp`, imported through the Engine
//! API (no registry, no Dockerfile, no base image), and copied to the other engines of a swarm;
//! the control plane's image the same way from this binary.

mod ldd;
mod rootfs;
mod swarm_labels;

pub use rootfs::file_header;

use bollard::query_parameters::{CreateImageOptionsBuilder, ImportImageOptionsBuilder};
use bollard::Docker;
use futures::StreamExt;
use std::path::Path;

/// The port the instance serves on inside its container.
pub const INSTANCE_PORT: u16 = 8080;
/// The user instances run as (`nobody`): it owns `/data` and the bootstrap file.
pub const INSTANCE_UID: u32 = 65534;
/// The image label holding the digest of the root file system, so a rebuild of the same binary is a no-op.
const ROOTFS_LABEL: &str = "io.partner-api.rootfs-sha256";

/// The images `partner-api images build` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// What instances run: the `inbox` binary.
    Instance,
    /// The control plane as a Swarm service (`deploy/stack.yml`): this `partner-api` binary.
    ControlPlane,
}

impl ImageKind {
    fn layout(self) -> &'static rootfs::Layout {
        match self {
            Self::Instance => &rootfs::INSTANCE,
            Self::ControlPlane => &rootfs::CONTROL_PLANE,
        }
    }

    fn changes(self) -> Vec<String> {
        match self {
            Self::Instance => vec![
                r#"ENTRYPOINT ["/inbox"]"#.to_owned(),
                format!("EXPOSE {INSTANCE_PORT}/tcp"),
                format!("USER {INSTANCE_UID}:{INSTANCE_UID}"),
            ],
            Self::ControlPlane => vec![
                r#"ENTRYPOINT ["/partner-api"]"#.to_owned(),
                r#"CMD ["serve"]"#.to_owned(),
                "ENV PARTNER_API_DATA_DIR=/data".to_owned(),
                "EXPOSE 8000/tcp 8080/tcp".to_owned(),
            ],
        }
    }
}

/// `partner-api/inbox:<version of this crate>`.
pub fn default_tag() -> String {
    format!("partner-api/inbox:{}", env!("CARGO_PKG_VERSION"))
}

/// `partner-api/control-plane:<version of this crate>`.
pub fn control_plane_tag() -> String {
    format!("partner-api/control-plane:{}", env!("CARGO_PKG_VERSION"))
}

/// Builds the image under `tag` into the first engine unless it has it with the same content,
/// then copies it (the same image id) to every other engine that lacks it. On a swarm, each
/// engine's node is labelled as holding it, so Swarm places instances only there. Answers
/// whether anything changed.
pub async fn build(
    kind: ImageKind,
    bin: &Path,
    tag: &str,
    engines: &[Docker],
) -> anyhow::Result<bool> {
    let Some((first, others)) = engines.split_first() else {
        anyhow::bail!("no Docker engine to build the image in");
    };
    let rootfs = rootfs::build(bin, kind.layout())?;
    let mut changed = build_in(first, kind, rootfs, tag).await?;
    let image_id = first
        .inspect_image(tag)
        .await?
        .id
        .ok_or_else(|| anyhow::anyhow!("the engine answered the image {tag} without its id"))?;
    for engine in others {
        changed |= copy(first, engine, &image_id, tag).await?;
    }
    if kind == ImageKind::Instance {
        swarm_labels::mark(engines, &image_id).await?;
    }
    Ok(changed)
}

async fn build_in(
    docker: &Docker,
    kind: ImageKind,
    rootfs: rootfs::RootFs,
    tag: &str,
) -> anyhow::Result<bool> {
    let (repo, version) = split_tag(tag)?;
    if let Ok(existing) = docker.inspect_image(tag).await {
        let labels = existing.config.and_then(|c| c.labels).unwrap_or_default();
        if labels.get(ROOTFS_LABEL) == Some(&rootfs.sha256) {
            return Ok(false);
        }
    }
    let mut changes = kind.changes();
    changes.push(format!("LABEL {ROOTFS_LABEL}={}", rootfs.sha256));
    let options = CreateImageOptionsBuilder::new()
        .from_src("-")
        .repo(repo)
        .tag(version)
        .changes(changes)
        .build();
    let mut progress = docker.create_image(
        Some(options),
        Some(bollard::body_full(rootfs.tar.into())),
        None,
    );
    while let Some(step) = progress.next().await {
        step.map_err(|e| anyhow::anyhow!("importing the image {tag}: {e}"))?;
    }
    docker
        .inspect_image(tag)
        .await
        .map_err(|e| anyhow::anyhow!("the image {tag} is not there after its import: {e}"))?;
    Ok(true)
}

/// Copies the image from one engine to another (`docker save | docker load`), unless the other
/// has it under `tag` already.
async fn copy(from: &Docker, to: &Docker, image_id: &str, tag: &str) -> anyhow::Result<bool> {
    if let Ok(existing) = to.inspect_image(tag).await {
        if existing.id.as_deref() == Some(image_id) {
            return Ok(false);
        }
    }
    let mut archive = Vec::new();
    let mut export = from.export_image(tag);
    while let Some(chunk) = export.next().await {
        archive.extend_from_slice(&chunk.map_err(|e| anyhow::anyhow!("saving {tag}: {e}"))?);
    }
    let mut load = to.import_image(
        ImportImageOptionsBuilder::new().quiet(true).build(),
        bollard::body_full(archive.into()),
        None,
    );
    while let Some(step) = load.next().await {
        step.map_err(|e| anyhow::anyhow!("loading {tag} into another engine: {e}"))?;
    }
    Ok(true)
}

/// `repo:tag` → (`repo`, `tag`); the tag is required, so an instance never runs `latest` by accident.
fn split_tag(tag: &str) -> anyhow::Result<(&str, &str)> {
    match tag.rsplit_once(':') {
        Some((repo, version))
            if !repo.is_empty() && !version.is_empty() && !version.contains('/') =>
        {
            Ok((repo, version))
        }
        _ => anyhow::bail!(
            "--tag must be REPOSITORY:TAG, e.g. {}: {tag:?}",
            default_tag()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::split_tag;

    #[test]
    fn a_tag_needs_a_repository_and_a_version() {
        assert_eq!(
            split_tag("partner-api/inbox:0.1.0").unwrap(),
            ("partner-api/inbox", "0.1.0")
        );
        assert_eq!(
            split_tag("localhost:5000/inbox:1").unwrap(),
            ("localhost:5000/inbox", "1")
        );
        assert!(split_tag("partner-api/inbox").is_err());
        assert!(split_tag("localhost:5000/inbox").is_err());
    }
}
