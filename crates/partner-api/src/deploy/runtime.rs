//! Making an instance run on the driver from what the database says about it.

use super::driver::{DriverError, Endpoint};
use super::inputs::Inputs;
use super::spec;
use super::step::Step;
use super::Deployer;
use crate::domain::DeploymentError;
use crate::store::deployments;
use crate::store::instances::Instance;

/// Starts the instance if it does not run, records where it runs, and answers that. An instance
/// that runs costs one question to the driver: the reconciler asks this for every ready instance.
pub async fn ensure_running(ctx: &Deployer, instance: &Instance) -> Result<Endpoint, Step> {
    running_or_started(ctx, instance, None).await
}

/// As [`ensure_running`], for a job that has read its inputs already.
pub async fn ensure_running_with(
    ctx: &Deployer,
    instance: &Instance,
    inputs: &Inputs,
) -> Result<Endpoint, Step> {
    running_or_started(ctx, instance, Some(inputs)).await
}

async fn running_or_started(
    ctx: &Deployer,
    instance: &Instance,
    inputs: Option<&Inputs>,
) -> Result<Endpoint, Step> {
    let running = ctx
        .driver
        .endpoint(&instance.id)
        .await
        .map_err(|e| step_of(instance, e))?;
    let endpoint = match (running, inputs) {
        (Some(endpoint), _) => endpoint,
        (None, Some(inputs)) => start(ctx, instance, inputs).await?,
        (None, None) => start(ctx, instance, &Inputs::load(ctx, instance).await?).await?,
    };
    record_endpoint(ctx, instance, &endpoint).await?;
    Ok(endpoint)
}

/// Gives the driver the current spec even when the instance runs, so the settings this process
/// started with (the front-end's) reach it: the driver replaces what was made with others.
pub async fn ensure_current(ctx: &Deployer, instance: &Instance) -> Result<Endpoint, Step> {
    let inputs = Inputs::load(ctx, instance).await?;
    let endpoint = start(ctx, instance, &inputs).await?;
    record_endpoint(ctx, instance, &endpoint).await?;
    Ok(endpoint)
}

async fn record_endpoint(
    ctx: &Deployer,
    instance: &Instance,
    endpoint: &Endpoint,
) -> anyhow::Result<()> {
    if instance.endpoint.as_deref() != Some(endpoint.as_str()) {
        deployments::set_endpoint(&ctx.db, &instance.id, Some(endpoint.as_str())).await?;
    }
    Ok(())
}

async fn start(ctx: &Deployer, instance: &Instance, inputs: &Inputs) -> Result<Endpoint, Step> {
    let spec = spec::build(
        ctx,
        instance,
        inputs.d360_api_key.as_ref(),
        inputs.messaging_url(),
        &inputs.tokens(),
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
