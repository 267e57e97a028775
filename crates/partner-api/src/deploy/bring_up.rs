//! Bringing an instance up from wherever an earlier run stopped: its number claimed, its key,
//! the instance running and healthy, registered with 360Dialog for its inbound messages, then
//! `ready` with its events. Shared by the deployment and by the update that repairs a failed
//! instance; every step is skipped when already done.

use super::channel::{channel_of, claim, phone_number, register_inbound};
use super::health::{wait_healthy, Health};
use super::inputs::Inputs;
use super::runtime::ensure_running_with;
use super::step::Step;
use super::Deployer;
use crate::domain::lifecycle::{self, Operation};
use crate::domain::{DeploymentError, InstanceStatus};
use crate::store::deployments::{self, EventContent};
use crate::store::instances::Instance;
use crate::store::jobs::{ClaimedJob, JobOutcome};

/// Runs while the instance is in `during` (deploying, or updating when a failed one is repaired);
/// a change of that status meanwhile (a delete) abandons it. What it stores on the way (the
/// number, the key) it keeps in `instance` and `inputs` too, which the later steps read.
pub async fn bring_up(
    ctx: &Deployer,
    job: &ClaimedJob,
    instance: &Instance,
    inputs: &mut Inputs,
    during: InstanceStatus,
) -> Result<(), Step> {
    let hub = &inputs.hub(instance)?;
    let mut instance = instance.clone();
    let channel = channel_of(&instance)?;
    if instance.phone_number.is_none() {
        let key = inputs.d360_api_key.as_ref();
        let number = phone_number(ctx, &instance, hub, channel.as_ref(), key).await?;
        claim(ctx, &instance, &number).await?;
        instance.phone_number = Some(number.as_str().to_owned());
    }
    if inputs.d360_api_key.is_none() {
        let channel = channel
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("neither a key nor a channel is stored"))?;
        let key = ctx
            .d360
            .issue_channel_key(hub, channel)
            .await
            .map_err(|e| Step::from_d360(e, &instance.id, Some(channel.as_str())))?;
        deployments::set_d360_key(&ctx.db, &instance.id, &key).await?;
        instance.d360_api_key_hint = Some(key.hint());
        inputs.d360_api_key = Some(key);
    }

    let endpoint = ensure_running_with(ctx, &instance, inputs).await?;
    match wait_healthy(ctx, &instance.id, &endpoint, during).await? {
        Health::Healthy => {}
        Health::Abandoned => return Err(Step::Abandoned),
        Health::TimedOut => {
            let seconds = ctx.settings.health_timeout.as_secs();
            let details = format!("The instance did not become healthy within {seconds} s.");
            return Err(Step::failed(DeploymentError::deployment_failed(
                instance.id.as_str(),
                &details,
            )));
        }
    }

    let key = inputs
        .d360_api_key
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the instance has no 360Dialog key stored"))?;
    register_inbound(ctx, &instance, hub, key, &inputs.platform_token).await?;
    let activation_url = ctx
        .urls
        .activation_url(&instance.subdomain, &inputs.activation_code);
    let content = EventContent {
        configurator_token: inputs.configurator_token.as_deref(),
        activation_url: Some(&activation_url),
        ..EventContent::default()
    };
    let succeeded = lifecycle::decide(during, Operation::DeploymentSucceeded);
    let ready = deployments::complete(
        &ctx.db,
        job,
        &instance,
        succeeded,
        &content,
        JobOutcome::Ready,
    )
    .await?;
    if ready {
        tracing::info!(instance = %instance.id, %endpoint, "instance ready");
        crate::metrics::deployment_finished("ready");
    }
    Ok(())
}
