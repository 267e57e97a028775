//! The deployment of one instance (DESIGN.md): its 360Dialog key and phone number, the number's
//! uniqueness, the allocation on the driver, the health wait, and `ready` with its events. Every
//! step is idempotent, so a retried job repeats nothing it already did.

use super::health::{wait_healthy, Health};
use super::runtime::ensure_running;
use super::step::Step;
use super::Deployer;
use crate::d360::PhoneNumber;
use crate::domain::{ChannelId, D360ApiKey, DeploymentError, InstanceStatus};
use crate::store::deployments;
use crate::store::instances::{self, Instance};
use crate::store::jobs::{self, ClaimedJob};
use crate::store::partners::{self, HubCredentials};

const FROM: &[InstanceStatus] = &[InstanceStatus::Deploying];

pub async fn run(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<()> {
    let Some(instance) = instances::find_any(&ctx.db, &job.instance_id).await? else {
        return jobs::finish(&ctx.db, job, "cancelled").await;
    };
    if instance.status != InstanceStatus::Deploying {
        return jobs::finish(&ctx.db, job, "cancelled").await;
    }
    match deploy(ctx, job, &instance).await {
        Ok(()) => Ok(()),
        Err(Step::Abandoned) => jobs::finish(&ctx.db, job, "cancelled").await,
        Err(Step::Failed(errors)) => fail(ctx, job, &instance, &errors).await,
        Err(Step::Retry(e)) => Err(e),
    }
}

/// After the last attempt: the deployment failed (704) with the last transient error.
pub async fn give_up(
    ctx: &Deployer,
    job: &ClaimedJob,
    last_error: &anyhow::Error,
) -> anyhow::Result<()> {
    let Some(instance) = instances::find_any(&ctx.db, &job.instance_id).await? else {
        return jobs::finish(&ctx.db, job, "cancelled").await;
    };
    let details = format!(
        "The deployment did not complete after {} attempts: {last_error:#}",
        job.attempt
    );
    fail(
        ctx,
        job,
        &instance,
        &[DeploymentError::deployment_failed(
            instance.id.as_str(),
            &details,
        )],
    )
    .await
}

async fn fail(
    ctx: &Deployer,
    job: &ClaimedJob,
    instance: &Instance,
    errors: &[DeploymentError],
) -> anyhow::Result<()> {
    if let Err(e) = ctx.driver.stop(&instance.id).await {
        tracing::warn!(instance = %instance.id, error = %e, "stopping a failed instance");
    }
    let changed =
        deployments::complete_failed(&ctx.db, job, instance, FROM, InstanceStatus::Failed, errors)
            .await?;
    if changed {
        let codes: Vec<u16> = errors.iter().map(|e| e.code).collect();
        tracing::info!(instance = %instance.id, ?codes, "deployment failed");
        crate::metrics::deployment_finished("failed");
    }
    Ok(())
}

async fn deploy(ctx: &Deployer, job: &ClaimedJob, instance: &Instance) -> Result<(), Step> {
    let hub = partners::get(&ctx.db, &instance.partner_id)
        .await?
        .and_then(|p| p.hub)
        .ok_or_else(|| {
            Step::failed(DeploymentError::deployment_failed(
                instance.id.as_str(),
                "The partner has no 360Dialog hub credentials; the operator must set them.",
            ))
        })?;
    let secrets = deployments::secrets(&ctx.db, &instance.id).await?;
    let channel = instance
        .channel_id
        .as_deref()
        .map(ChannelId::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    if instance.phone_number.is_none() {
        let number = phone_number(
            ctx,
            instance,
            &hub,
            channel.as_ref(),
            secrets.d360_api_key.as_ref(),
        )
        .await?;
        claim(ctx, instance, &number).await?;
    }
    if secrets.d360_api_key.is_none() {
        let channel = channel
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("neither a key nor a channel is stored"))?;
        let key = ctx
            .d360
            .issue_channel_key(&hub, channel)
            .await
            .map_err(|e| Step::from_d360(e, &instance.id, Some(channel.as_str())))?;
        deployments::set_d360_key(&ctx.db, &instance.id, &key).await?;
    }

    let endpoint = ensure_running(ctx, instance).await?;
    match wait_healthy(ctx, &instance.id, &endpoint, InstanceStatus::Deploying).await? {
        Health::Healthy => {}
        Health::Abandoned => return Err(Step::Abandoned),
        Health::TimedOut => {
            return Err(Step::failed(DeploymentError::deployment_failed(
                instance.id.as_str(),
                &format!(
                    "The instance did not become healthy within {} s.",
                    ctx.settings.health_timeout.as_secs()
                ),
            )))
        }
    }

    let (configurator_token, _) = deployments::ensure_tokens(
        &ctx.db,
        &instance.id,
        instance.configurator_user_name.is_some(),
    )
    .await?;
    let activation_url = ctx
        .urls
        .activation_url(&instance.subdomain, &secrets.activation_code);
    let ready = deployments::complete_ready(
        &ctx.db,
        job,
        instance,
        FROM,
        configurator_token.as_deref(),
        &activation_url,
    )
    .await?;
    if ready {
        tracing::info!(instance = %instance.id, %endpoint, "instance ready");
        crate::metrics::deployment_finished("ready");
    }
    Ok(())
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
