//! The control plane's calls to a running instance's `/api/v1/platform/…` endpoints.

use super::Deployer;
use anyhow::{bail, Context};
use inbox::bootstrap::PlatformSettings;

/// Applies new settings to the running instance at once (it also keeps them across restarts).
pub async fn push_settings(
    ctx: &Deployer,
    endpoint: &str,
    platform_token: &str,
    settings: &PlatformSettings,
) -> anyhow::Result<()> {
    let response = ctx
        .http
        .put(format!("http://{endpoint}/api/v1/platform/settings"))
        .header("Authorization", format!("Token {platform_token}"))
        .json(settings)
        .send()
        .await
        .context("calling the instance's platform settings")?;
    if !response.status().is_success() {
        bail!(
            "the instance refused its new settings: HTTP {}",
            response.status()
        );
    }
    Ok(())
}
