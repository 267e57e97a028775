//! Tearing an instance down: the driver stops it and deletes its data, then it is `deleted`.

use super::Deployer;
use crate::domain::InstanceStatus;
use crate::store::jobs::{self, ClaimedJob, JobOutcome};
use crate::store::{deployments, lifecycle};

pub async fn run(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<()> {
    if deployments::status(&ctx.db, &job.instance_id).await? != Some(InstanceStatus::Deleting) {
        return jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await;
    }
    ctx.driver.remove(&job.instance_id).await?;
    lifecycle::complete_deleted(&ctx.db, job).await?;
    tracing::info!(instance = %job.instance_id, "instance deleted");
    Ok(())
}
