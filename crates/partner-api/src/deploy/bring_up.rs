//! Bringing an instance up from wherever an earlier run stopped: its number claimed, its key,
//! the instance running and healthy, registered with 360Dialog for its inbound messages, then
//! `ready` with its events. Shared by the deployment and by
//! the update that repairs a failed instance; every step is skipped when already done.

use super::health::{wait_healthy, Health};
use super::inputs::Inputs;
use super::runtime::ensure_running_with;
use super::spec::inbound_webhook_secret;
use super::step::Step;
use super::Deployer;
use crate::d360::PhoneNumber;
use crate::domain::lifecycle::{self, Operation};
use crate::domain::{ChannelId, D360ApiKey, DeploymentError, InstanceStatus};
use crate::store::deployments::{self, EventContent};
use crate::store::instances::Instance;
use crate::store::jobs::{ClaimedJob, JobOutcome};
use crate::store::partners::HubCredentials;
use instance_contract::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};

pub fn channel_of(instance: &Instance) -> Result<Option<ChannelId>, Step> {
    let channel = instance
        .channel_id
        .as_deref()
        .map(ChannelId::parse)
        .transpose();
    Ok(channel.map_err(anyhow::Error::msg)?)
}

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

/// Registers the instance with 360Dialog as the receiver of its number's messages and statuses,
/// with the secret header that proves a webhook is 360Dialog's. Registering again is harmless.
pub async fn register_inbound(
    ctx: &Deployer,
    instance: &Instance,
    hub: &HubCredentials,
    key: &D360ApiKey,
    platform_token: &str,
) -> Result<(), Step> {
    let url = format!(
        "{}{INBOUND_WEBHOOK_PATH}",
        ctx.urls.origin(&instance.subdomain)
    );
    let secret = inbound_webhook_secret(platform_token);
    ctx.d360
        .register_webhook(
            &hub.messaging_url,
            key,
            &url,
            &[(INBOUND_SECRET_HEADER, &secret)],
        )
        .await
        .map_err(|e| Step::from_d360(e, &instance.id, instance.channel_id.as_deref()))
}

/// The number the instance will serve: the channel's, the key's, and when both are given they
/// must be the same number.
pub async fn phone_number(
    ctx: &Deployer,
    instance: &Instance,
    hub: &HubCredentials,
    channel: Option<&ChannelId>,
    key: Option<&D360ApiKey>,
) -> Result<PhoneNumber, Step> {
    let channel_str = channel.map(ChannelId::as_str);
    let from_d360 = |e| Step::from_d360(e, &instance.id, channel_str);
    let key_number = match key {
        Some(key) => Some(
            ctx.d360
                .key_phone_number(&hub.messaging_url, key)
                .await
                .map_err(from_d360)?,
        ),
        None => None,
    };
    let channel_number = match channel {
        Some(channel) => Some(
            ctx.d360
                .channel_phone_number(hub, channel)
                .await
                .map_err(from_d360)?,
        ),
        None => None,
    };
    match (key_number, channel_number) {
        (Some(k), Some(c)) if k != c => Err(Step::failed(DeploymentError::invalid_api_key(
            channel_str,
            &format!(
                "The 360Dialog API key does not belong to channel ID {}.",
                channel_str.unwrap_or_default()
            ),
        ))),
        (Some(number), _) | (None, Some(number)) => Ok(number),
        (None, None) => Err(Step::failed(DeploymentError::deployment_failed(
            instance.id.as_str(),
            "Neither a channel ID nor a 360Dialog API key was given.",
        ))),
    }
}

/// Claims the number for the instance, or fails with 701 when a live instance holds it.
pub async fn claim(ctx: &Deployer, instance: &Instance, number: &PhoneNumber) -> Result<(), Step> {
    if deployments::claim_phone_number(&ctx.db, &instance.id, number).await? {
        return Ok(());
    }
    let channel = match &instance.channel_id {
        Some(channel) => channel.clone(),
        None => deployments::channel_holding_number(&ctx.db, number)
            .await?
            .unwrap_or_default(),
    };
    Err(Step::failed(DeploymentError::number_already_deployed(
        &channel,
    )))
}
