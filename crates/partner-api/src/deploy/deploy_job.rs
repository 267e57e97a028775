//! The deployment of one instance (DESIGN.md): its 360Dialog key and phone number, the number's
//! uniqueness, the allocation on the driver, the health wait, and `ready` with its events. Every
//! step is idempotent, so a retried job repeats nothing it already did.

use super::bring_up::bring_up;
use super::inputs::Inputs;
use super::step::Step;
use super::Deployer;
use crate::domain::lifecycle::{self, Operation};
use crate::domain::{DeploymentError, InstanceStatus};
use crate::store::deployments::{self, EventContent};
use crate::store::instances::{self, Instance};
use crate::store::jobs::{self, ClaimedJob, JobOutcome};

/// The status a deployment runs in; a delete meanwhile moves the instance out of it.
const FROM: InstanceStatus = InstanceStatus::Deploying;

pub async fn run(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<()> {
    let Some(instance) = instances::find_any(&ctx.db, &job.instance_id).await? else {
        return jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await;
    };
    if instance.status != FROM {
        return jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await;
    }
    match deploy(ctx, job, &instance).await {
        Ok(()) => Ok(()),
        Err(Step::Abandoned) => jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await,
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
        return jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await;
    };
    // The cause may name our files, hosts or internals: it goes to the operator's log only.
    tracing::error!(instance = %instance.id, attempts = job.attempt, error = %format!("{last_error:#}"), "deployment failed");
    let details = format!(
        "The deployment did not complete after {} attempts; the platform's log has the cause.",
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
    let failed = lifecycle::decide(FROM, Operation::DeploymentFailed);
    let content = EventContent {
        errors,
        ..EventContent::default()
    };
    let changed =
        deployments::complete(&ctx.db, job, instance, failed, &content, JobOutcome::Failed).await?;
    if changed {
        let codes: Vec<u16> = errors.iter().map(|e| e.code).collect();
        tracing::info!(instance = %instance.id, ?codes, "deployment failed");
        crate::metrics::deployment_finished("failed");
    }
    Ok(())
}

async fn deploy(ctx: &Deployer, job: &ClaimedJob, instance: &Instance) -> Result<(), Step> {
    let mut inputs = Inputs::load(ctx, instance).await?;
    bring_up(ctx, job, instance, &mut inputs, FROM).await
}
