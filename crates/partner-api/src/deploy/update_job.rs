//! Applying a partner's PATCH: a new 360Dialog key (its number checked again) and/or a new seat
//! limit. A running instance gets the change at once and stays up; a failed one is deployed again
//! with it. A refused change leaves the instance as it was, with the errors recorded and sent.

use super::deploy_job::{claim, phone_number};
use super::health::{wait_healthy, Health};
use super::platform::push_settings;
use super::runtime::ensure_running;
use super::step::Step;
use super::Deployer;
use crate::domain::{ChannelId, D360ApiKey, DeploymentError, InstanceStatus};
use crate::store::instances::{self, Instance};
use crate::store::jobs::{self, ClaimedJob};
use crate::store::lifecycle::{self, UpdatePayload};
use crate::store::{deployments, partners};
use inbox::bootstrap::{D360Bootstrap, PlatformSettings};

const FROM: &[InstanceStatus] = &[InstanceStatus::Updating];

struct Change {
    key: Option<D360ApiKey>,
    seats: Option<u32>,
    previous: InstanceStatus,
}

fn change_of(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<Change> {
    let payload: UpdatePayload = serde_json::from_value(job.payload.clone())?;
    let key = payload
        .d360_api_key_sealed
        .map(|sealed| ctx.db.secrets().open(&sealed))
        .transpose()?
        .map(|raw| D360ApiKey::parse(&raw).map_err(anyhow::Error::msg))
        .transpose()?;
    let previous = payload
        .previous_status
        .as_deref()
        .and_then(InstanceStatus::parse)
        .unwrap_or(InstanceStatus::Failed);
    Ok(Change {
        key,
        seats: payload.max_number_of_seats,
        previous,
    })
}

pub async fn run(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<()> {
    let Some(instance) = instances::find_any(&ctx.db, &job.instance_id).await? else {
        return jobs::finish(&ctx.db, job, "cancelled").await;
    };
    if instance.status != InstanceStatus::Updating {
        return jobs::finish(&ctx.db, job, "cancelled").await;
    }
    let change = change_of(ctx, job)?;
    match apply(ctx, job, &instance, &change).await {
        Ok(()) => Ok(()),
        Err(Step::Abandoned) => jobs::finish(&ctx.db, job, "cancelled").await,
        Err(Step::Failed(errors)) => refuse(ctx, job, &instance, change.previous, &errors).await,
        Err(Step::Retry(e)) => Err(e),
    }
}

pub async fn give_up(
    ctx: &Deployer,
    job: &ClaimedJob,
    last_error: &anyhow::Error,
) -> anyhow::Result<()> {
    let Some(instance) = instances::find_any(&ctx.db, &job.instance_id).await? else {
        return jobs::finish(&ctx.db, job, "cancelled").await;
    };
    let previous = change_of(ctx, job)?.previous;
    let details = format!(
        "The update did not complete after {} attempts: {last_error:#}",
        job.attempt
    );
    refuse(
        ctx,
        job,
        &instance,
        previous,
        &[DeploymentError::deployment_failed(
            instance.id.as_str(),
            &details,
        )],
    )
    .await
}

async fn refuse(
    ctx: &Deployer,
    job: &ClaimedJob,
    instance: &Instance,
    back_to: InstanceStatus,
    errors: &[DeploymentError],
) -> anyhow::Result<()> {
    deployments::complete_failed(&ctx.db, job, instance, FROM, back_to, errors).await?;
    Ok(())
}

async fn apply(
    ctx: &Deployer,
    job: &ClaimedJob,
    instance: &Instance,
    change: &Change,
) -> Result<(), Step> {
    let hub = partners::get(&ctx.db, &instance.partner_id)
        .await?
        .and_then(|p| p.hub)
        .ok_or_else(|| {
            Step::failed(DeploymentError::deployment_failed(
                instance.id.as_str(),
                "The partner has no 360Dialog hub credentials.",
            ))
        })?;
    let channel = instance
        .channel_id
        .as_deref()
        .map(ChannelId::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    if let Some(key) = &change.key {
        let number = phone_number(ctx, instance, &hub, channel.as_ref(), Some(key)).await?;
        if instance.phone_number.as_deref() != Some(number.as_str()) {
            claim(ctx, instance, &number).await?;
        }
    }
    lifecycle::record_applied(&ctx.db, &instance.id, change.key.as_ref(), change.seats).await?;
    let instance = instances::find_any(&ctx.db, &instance.id)
        .await?
        .ok_or(Step::Abandoned)?;

    if change.previous == InstanceStatus::Ready {
        let endpoint = ensure_running(ctx, &instance).await?;
        let (_, platform_token) = deployments::ensure_tokens(
            &ctx.db,
            &instance.id,
            instance.configurator_user_name.is_some(),
        )
        .await?;
        let settings = PlatformSettings {
            max_number_of_seats: change.seats,
            d360: change.key.as_ref().map(|k| D360Bootstrap {
                api_key: k.expose().to_owned(),
                messaging_url: hub.messaging_url.clone(),
            }),
        };
        push_settings(ctx, &endpoint, &platform_token, &settings).await?;
        deployments::complete_updated(&ctx.db, job, &instance).await?;
        return Ok(());
    }
    redeploy(ctx, job, &instance, &hub, channel.as_ref()).await
}

/// A failed instance deployed again with the change: the rest of the deployment it never finished.
async fn redeploy(
    ctx: &Deployer,
    job: &ClaimedJob,
    instance: &Instance,
    hub: &partners::HubCredentials,
    channel: Option<&ChannelId>,
) -> Result<(), Step> {
    let secrets = deployments::secrets(&ctx.db, &instance.id).await?;
    if instance.phone_number.is_none() {
        let number =
            phone_number(ctx, instance, hub, channel, secrets.d360_api_key.as_ref()).await?;
        claim(ctx, instance, &number).await?;
    }
    if secrets.d360_api_key.is_none() {
        let channel =
            channel.ok_or_else(|| anyhow::anyhow!("neither a key nor a channel is stored"))?;
        let key = ctx
            .d360
            .issue_channel_key(hub, channel)
            .await
            .map_err(|e| Step::from_d360(e, &instance.id, Some(channel.as_str())))?;
        deployments::set_d360_key(&ctx.db, &instance.id, &key).await?;
    }
    let instance = instances::find_any(&ctx.db, &instance.id)
        .await?
        .ok_or(Step::Abandoned)?;
    let endpoint = ensure_running(ctx, &instance).await?;
    match wait_healthy(ctx, &instance.id, &endpoint, InstanceStatus::Updating).await? {
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
    if deployments::complete_ready(
        &ctx.db,
        job,
        &instance,
        FROM,
        configurator_token.as_deref(),
        &activation_url,
    )
    .await?
    {
        tracing::info!(instance = %instance.id, "repaired instance ready");
        crate::metrics::deployment_finished("ready");
    }
    Ok(())
}
