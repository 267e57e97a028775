//! `partner-api images build`: the instance image, made once from our own `inbox` binary, the
//! shared libraries it links and empty `/data`, `/boot` and `/tmp`, imported through the Engine
//! API (no registry, no Dockerfile, no base image).

mod ldd;
mod rootfs;

pub use rootfs::file_header;

use crate::deploy::driver::engine;
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures::StreamExt;
use std::path::Path;

/// The port the instance serves on inside its container.
pub const INSTANCE_PORT: u16 = 8080;
/// The user instances run as (`nobody`): it owns `/data` and the bootstrap file.
pub const INSTANCE_UID: u32 = 65534;
/// The image label holding the digest of the root file system, so a rebuild of the same binary is a no-op.
const ROOTFS_LABEL: &str = "io.partner-api.rootfs-sha256";

/// `partner-api/inbox:<version of this crate>`.
pub fn default_tag() -> String {
    format!("partner-api/inbox:{}", env!("CARGO_PKG_VERSION"))
}

/// Builds the image under `tag` unless the engine already has it with the same content.
/// Answers whether it was (re)built.
pub async fn build(inbox_bin: &Path, tag: &str) -> anyhow::Result<bool> {
    let (repo, version) = split_tag(tag)?;
    let rootfs = rootfs::build(inbox_bin)?;
    let docker = engine::connect().await?;
    if let Ok(existing) = docker.inspect_image(tag).await {
        let labels = existing.config.and_then(|c| c.labels).unwrap_or_default();
        if labels.get(ROOTFS_LABEL) == Some(&rootfs.sha256) {
            return Ok(false);
        }
    }
    let changes = vec![
        r#"ENTRYPOINT ["/inbox"]"#.to_owned(),
        format!("EXPOSE {INSTANCE_PORT}/tcp"),
        format!("USER {INSTANCE_UID}:{INSTANCE_UID}"),
        format!("LABEL {ROOTFS_LABEL}={}", rootfs.sha256),
    ];
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
