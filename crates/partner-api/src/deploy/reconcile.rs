//! Keeping what runs in line with the database: at start, periodically, and whenever an instance
//! process exits. A ready instance that does not run is started; something that runs but should
//! not (failed, deleted, unknown) is stopped.

use super::runtime::ensure_running;
use super::step::Step;
use super::Deployer;
use crate::domain::InstanceStatus;
use crate::store::deployments;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub async fn reconcile_once(ctx: &Deployer) -> anyhow::Result<()> {
    let wanted = deployments::wanted_running(&ctx.db).await?;
    let wanted_ids: HashSet<_> = wanted.iter().map(|i| i.id.clone()).collect();
    for instance in &wanted {
        match ensure_running(ctx, instance).await {
            Ok(_) => {}
            Err(Step::Retry(e)) => {
                tracing::warn!(instance = %instance.id, error = format!("{e:#}"), "cannot start instance")
            }
            Err(_) => tracing::warn!(instance = %instance.id, "cannot start instance"),
        }
    }
    for id in ctx.driver.list().await? {
        if wanted_ids.contains(&id) {
            continue;
        }
        // A deployment in progress owns its instance until it ends.
        if deployments::status(&ctx.db, &id).await? == Some(InstanceStatus::Deploying) {
            continue;
        }
        tracing::info!(instance = %id, "stopping an instance that should not run");
        ctx.driver.stop(&id).await?;
    }
    Ok(())
}

pub async fn run(ctx: Deployer, exited: Option<Arc<Notify>>, shutdown: CancellationToken) {
    let exited = exited.unwrap_or_else(|| Arc::new(Notify::new()));
    loop {
        if let Err(e) = reconcile_once(&ctx).await {
            tracing::error!(error = format!("{e:#}"), "reconcile");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(ctx.settings.reconcile_interval) => {}
            () = exited.notified() => {}
        }
    }
}
