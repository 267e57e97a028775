//! Applying a partner's PATCH: a new 360Dialog key (its number checked again, the instance
//! registered with it for inbound messages) and/or a new seat limit. A running instance gets the change at once and stays up; a failed one is deployed again
//! with it. A refused change leaves the instance as it was, with the errors recorded and sent.

use super::bring_up::bring_up;
use super::channel::{channel_of, claim, phone_number, register_inbound};
use super::inputs::Inputs;
use super::platform::push_settings;
use super::runtime::ensure_running_with;
use super::step::Step;
use super::Deployer;
use crate::domain::lifecycle::{self, Operation};
use crate::domain::{D360ApiKey, DeploymentError, InstanceStatus};
use crate::store::deployments::{self, EventContent};
use crate::store::instances::{self, Instance};
use crate::store::jobs::{self, ClaimedJob, Job, JobOutcome};
use anyhow::{bail, Context};
use instance_contract::bootstrap::{D360Bootstrap, PlatformSettings};

/// The status an update runs in; a delete meanwhile moves the instance out of it.
const FROM: InstanceStatus = InstanceStatus::Updating;

struct Change {
    key: Option<D360ApiKey>,
    seats: Option<u32>,
    previous: InstanceStatus,
}

fn change_of(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<Change> {
    let Job::Update(payload) = &job.payload else {
        bail!(
            "job {} is a {} job, not an update",
            job.id,
            job.kind().as_str()
        );
    };
    let key = payload
        .d360_api_key_sealed
        .as_ref()
        .map(|sealed| ctx.db.secrets().open(sealed))
        .transpose()?
        .map(|raw| D360ApiKey::parse(&raw).map_err(anyhow::Error::msg))
        .transpose()?;
    let previous = match payload.previous_status.as_deref() {
        Some(raw) => {
            InstanceStatus::parse(raw).with_context(|| format!("stored previous status {raw:?}"))?
        }
        None => InstanceStatus::Failed,
    };
    Ok(Change {
        key,
        seats: payload.max_number_of_seats,
        previous,
    })
}

pub async fn run(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<()> {
    let Some(instance) = instances::find_any(&ctx.db, &job.instance_id).await? else {
        return jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await;
    };
    if instance.status != FROM {
        return jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await;
    }
    let change = change_of(ctx, job)?;
    match apply(ctx, job, &instance, &change).await {
        Ok(()) => Ok(()),
        Err(Step::Abandoned) => jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await,
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
        return jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await;
    };
    let previous = change_of(ctx, job)?.previous;
    // The cause may name our files, hosts or internals: it goes to the operator's log only.
    tracing::error!(instance = %instance.id, attempts = job.attempt, error = %format!("{last_error:#}"), "update failed");
    let details = format!(
        "The update did not complete after {} attempts; the platform's log has the cause.",
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

/// A refused change: a running instance keeps running as it was, a failed one stays failed.
async fn refuse(
    ctx: &Deployer,
    job: &ClaimedJob,
    instance: &Instance,
    previous: InstanceStatus,
    errors: &[DeploymentError],
) -> anyhow::Result<()> {
    let op = if previous == InstanceStatus::Ready {
        Operation::UpdateRefused
    } else {
        Operation::DeploymentFailed
    };
    let content = EventContent {
        errors,
        ..EventContent::default()
    };
    let refused = lifecycle::decide(FROM, op);
    deployments::complete(
        &ctx.db,
        job,
        instance,
        refused,
        &content,
        JobOutcome::Failed,
    )
    .await?;
    Ok(())
}

async fn apply(
    ctx: &Deployer,
    job: &ClaimedJob,
    instance: &Instance,
    change: &Change,
) -> Result<(), Step> {
    let mut inputs = Inputs::load(ctx, instance).await?;
    let hub = inputs.hub(instance)?;
    if let Some(key) = &change.key {
        let channel = channel_of(instance)?;
        let number = phone_number(ctx, instance, &hub, channel.as_ref(), Some(key)).await?;
        if instance.phone_number.as_deref() != Some(number.as_str()) {
            claim(ctx, instance, &number).await?;
        }
    }
    crate::store::lifecycle::record_applied(
        &ctx.db,
        &instance.id,
        change.key.as_ref(),
        change.seats,
    )
    .await?;
    if let Some(key) = &change.key {
        inputs.d360_api_key = Some(key.clone());
    }
    // The row as the change left it; the secrets are the ones read above.
    let instance = instances::find_any(&ctx.db, &instance.id)
        .await?
        .ok_or(Step::Abandoned)?;
    if change.previous != InstanceStatus::Ready {
        // A failed instance is deployed again with the change.
        return bring_up(ctx, job, &instance, &mut inputs, FROM).await;
    }
    let endpoint = ensure_running_with(ctx, &instance, &inputs).await?;
    let platform_token = &inputs.platform_token;
    let settings = PlatformSettings {
        max_number_of_seats: change.seats,
        d360: change.key.as_ref().map(|k| D360Bootstrap {
            api_key: k.expose().to_owned(),
            messaging_url: hub.messaging_url.clone(),
        }),
    };
    // Busy while it takes the change: not put to sleep, and asked for its report again after.
    let _busy = ctx.sleep.busy(&instance.id);
    push_settings(ctx, &endpoint, platform_token, &settings).await?;
    if let Some(key) = &change.key {
        register_inbound(ctx, &instance, &hub, key, platform_token).await?;
    }
    let applied = lifecycle::decide(FROM, Operation::UpdateApplied);
    let content = EventContent::default();
    deployments::complete(
        &ctx.db,
        job,
        &instance,
        applied,
        &content,
        JobOutcome::Updated,
    )
    .await?;
    Ok(())
}
