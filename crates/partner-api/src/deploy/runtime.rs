//! Making an instance run on the driver from what the database says about it.

use super::driver::{DriverError, Endpoint};
use super::spec::{self, InstanceTokens};
use super::step::Step;
use super::Deployer;
use crate::domain::DeploymentError;
use crate::store::instances::Instance;
use crate::store::{deployments, partners};
use anyhow::anyhow;

/// Starts the instance if it does not run, records where it runs, and answers that. An instance
/// that runs costs one question to the driver: the reconciler asks this for every ready instance.
pub async fn ensure_running(ctx: &Deployer, instance: &Instance) -> Result<Endpoint, Step> {
    let running = ctx
        .driver
        .endpoint(&instance.id)
        .await
        .map_err(|e| step_of(instance, e))?;
    let endpoint = match running {
        Some(endpoint) => endpoint,
        None => start(ctx, instance).await?,
    };
    if instance.endpoint.as_deref() != Some(endpoint.as_str()) {
        deployments::set_endpoint(&ctx.db, &instance.id, Some(&endpoint)).await?;
    }
    Ok(endpoint)
}

/// Gives the driver the current spec even when the instance runs, so the settings this process
/// started with (the front-end's) reach it: the driver replaces what was made with others.
pub async fn ensure_current(ctx: &Deployer, instance: &Instance) -> Result<Endpoint, Step> {
    let endpoint = start(ctx, instance).await?;
    if instance.endpoint.as_deref() != Some(endpoint.as_str()) {
        deployments::set_endpoint(&ctx.db, &instance.id, Some(&endpoint)).await?;
    }
    Ok(endpoint)
}

async fn start(ctx: &Deployer, instance: &Instance) -> Result<Endpoint, Step> {
    let partner = partners::get(&ctx.db, &instance.partner_id)
        .await?
        .ok_or_else(|| anyhow!("partner {} is gone", instance.partner_id))?;
    let messaging_url = partner.hub.map(|h| h.messaging_url).unwrap_or_default();
    let with_configurator = instance.configurator_user_name.is_some();
    let (secrets, platform_token) =
        deployments::secrets_with_tokens(&ctx.db, &instance.id, with_configurator).await?;
    let tokens = InstanceTokens {
        activation_code: &secrets.activation_code,
        configurator_token: secrets.configurator_token.as_deref(),
        platform_token: &platform_token,
    };
    let spec = spec::build(
        ctx,
        instance,
        secrets.d360_api_key.as_ref(),
        &messaging_url,
        &tokens,
    );
    ctx.driver
        .ensure(&spec)
        .await
        .map_err(|e| step_of(instance, e))
}

/// A driver that needs the operator (a missing image) ends the deployment; anything else is retried.
fn step_of(instance: &Instance, error: DriverError) -> Step {
    match error {
        DriverError::NeedsOperator(details) => Step::failed(DeploymentError::deployment_failed(
            instance.id.as_str(),
            &details,
        )),
        e => Step::Retry(anyhow::Error::new(e)),
    }
}
