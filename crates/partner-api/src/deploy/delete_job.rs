//! Tearing an instance down: the driver stops it and deletes its data, then it is `deleted`.

use super::Deployer;
use crate::domain::lifecycle::{self, Operation};
use crate::store::jobs::{self, ClaimedJob, JobOutcome};
use crate::store::{self, deployments};

pub async fn run(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<()> {
    let status = deployments::status(&ctx.db, &job.instance_id).await?;
    let Some(Ok(torn_down)) = status.map(|s| lifecycle::decide(s, Operation::TornDown)) else {
        return jobs::finish(&ctx.db, job, JobOutcome::Cancelled).await;
    };
    ctx.driver.remove(&job.instance_id).await?;
    store::lifecycle::complete_deleted(&ctx.db, job, &torn_down).await?;
    tracing::info!(instance = %job.instance_id, "instance deleted");
    Ok(())
}
