//! The control plane's calls to a running instance's `/api/v1/platform/…` endpoints.

use super::Deployer;
use crate::domain::InstanceId;
use crate::store::deployments;
use anyhow::{bail, Context};
use instance_contract::bootstrap::{PlatformActivation, PlatformSettings};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Deserialize;

/// What the control plane reads of `GET /api/v1/platform/settings`.
#[derive(Debug, Default, Deserialize)]
pub struct InstanceReport {
    /// 360Dialog refused the instance's key while it sent, and has not accepted it since. An
    /// instance that does not tell is taken to have seen no refusal.
    #[serde(default)]
    pub d360_key_rejected: bool,
    /// Messages it has still to send: it must stay awake. An instance that does not tell is
    /// taken to have none.
    #[serde(default)]
    pub pending_work: bool,
}

fn request(ctx: &Deployer, method: Method, endpoint: &str, token: &str) -> RequestBuilder {
    platform_request(ctx, method, endpoint, "settings", token)
}

fn platform_request(
    ctx: &Deployer,
    method: Method,
    endpoint: &str,
    path: &str,
    token: &str,
) -> RequestBuilder {
    ctx.http
        .request(method, format!("http://{endpoint}/api/v1/platform/{path}"))
        .header("Authorization", format!("Token {token}"))
}

/// What the instance did with a fresh activation code.
#[derive(Debug, PartialEq, Eq)]
pub enum Rearm {
    Armed,
    /// Its admin has chosen a password: the instance keeps no code that could set it again.
    AlreadyActivated,
}

/// Gives the running instance a fresh activation code; the one it had stops working.
pub async fn rearm_activation(
    ctx: &Deployer,
    endpoint: &str,
    platform_token: &str,
    activation: &PlatformActivation,
) -> anyhow::Result<Rearm> {
    let response = platform_request(ctx, Method::PUT, endpoint, "activation", platform_token)
        .json(activation)
        .send()
        .await
        .context("calling the instance's platform activation")?;
    match response.status() {
        s if s.is_success() => Ok(Rearm::Armed),
        StatusCode::CONFLICT => Ok(Rearm::AlreadyActivated),
        s => bail!("the instance refused a fresh activation code: HTTP {s}"),
    }
}

/// Applies new settings to the running instance at once (it also keeps them across restarts).
pub async fn push_settings(
    ctx: &Deployer,
    endpoint: &str,
    platform_token: &str,
    settings: &PlatformSettings,
) -> anyhow::Result<()> {
    let response = request(ctx, Method::PUT, endpoint, platform_token)
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

/// What a running instance reports of itself, asked with its platform token; `None` for an
/// instance that has no platform token.
pub async fn report_of(
    ctx: &Deployer,
    id: &InstanceId,
    endpoint: &str,
) -> anyhow::Result<Option<InstanceReport>> {
    let Some(token) = deployments::secrets(&ctx.db, id).await?.platform_token else {
        return Ok(None);
    };
    fetch_report(ctx, endpoint, &token).await.map(Some)
}

async fn fetch_report(
    ctx: &Deployer,
    endpoint: &str,
    platform_token: &str,
) -> anyhow::Result<InstanceReport> {
    let response = request(ctx, Method::GET, endpoint, platform_token)
        .send()
        .await
        .context("reading the instance's platform settings")?;
    if !response.status().is_success() {
        bail!(
            "the instance's platform settings answered HTTP {}",
            response.status()
        );
    }
    response
        .json()
        .await
        .context("the instance's platform settings")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_that_does_not_report_refusals_has_seen_none() {
        let report: InstanceReport =
            serde_json::from_str(r#"{"max_number_of_seats":5,"seats_in_use":1}"#).unwrap();
        assert!(!report.d360_key_rejected);
        let report: InstanceReport = serde_json::from_str(r#"{"d360_key_rejected":true}"#).unwrap();
        assert!(report.d360_key_rejected);
    }
}
