//! Making an instance run on the driver from what the database says about it.

use super::driver::{DriverError, Endpoint, Placement};
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
    let running = ctx.driver.endpoint(&instance.id).await;
    let running = recorded(ctx, instance, running).await?;
    let placement = match (running, inputs) {
        (Some(placement), _) => placement,
        (None, Some(inputs)) => start(ctx, instance, inputs).await?,
        (None, None) => start(ctx, instance, &Inputs::load(ctx, instance).await?).await?,
    };
    Ok(placement.endpoint)
}

/// Gives the driver the current spec even when the instance runs, so the settings this process
/// started with (the front-end's) reach it: the driver replaces what was made with others.
pub async fn ensure_current(ctx: &Deployer, instance: &Instance) -> Result<Endpoint, Step> {
    let inputs = Inputs::load(ctx, instance).await?;
    Ok(start(ctx, instance, &inputs).await?.endpoint)
}

/// Records what the driver answered: where the instance runs, or that its machine is
/// unreachable (the router then answers at once that it is, and the instance object says why).
async fn recorded<T: Into<Option<Placement>> + Clone>(
    ctx: &Deployer,
    instance: &Instance,
    answer: Result<T, DriverError>,
) -> Result<T, Step> {
    match answer {
        Ok(found) => {
            if let Some(placement) = found.clone().into() {
                let changed = instance.endpoint.as_deref() != Some(placement.endpoint.as_str())
                    || instance.node != placement.node
                    || instance.unavailable.is_some();
                if changed {
                    let node = placement.node.as_deref();
                    deployments::set_placement(&ctx.db, &instance.id, &placement.endpoint, node)
                        .await?;
                }
            }
            Ok(found)
        }
        Err(DriverError::MachineUnreachable(why)) => {
            if instance.unavailable.as_deref() != Some(why.as_str()) {
                deployments::set_unavailable(&ctx.db, &instance.id, &why).await?;
            }
            Err(Step::Retry(anyhow::anyhow!(
                "{} cannot be reached: {why}",
                instance.id
            )))
        }
        Err(e) => Err(step_of(instance, e)),
    }
}

async fn start(ctx: &Deployer, instance: &Instance, inputs: &Inputs) -> Result<Placement, Step> {
    let spec = spec::build(
        ctx,
        instance,
        inputs.d360_api_key.as_ref(),
        inputs.messaging_url(),
        &inputs.tokens(),
    );
    let started = ctx.driver.ensure(&spec).await;
    recorded(ctx, instance, started).await
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
