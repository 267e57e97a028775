//! Keeping what runs in line with the database: at start, periodically, and whenever an instance
//! process exits. A ready instance that does not run is started; something that runs but should
//! not (failed, deleted) is stopped. An instance this database does not know is left alone: on a
//! shared Docker engine it may belong to another control plane.

use super::runtime::{ensure_current, ensure_running};
use super::sleep::is_asleep;
use super::step::Step;
use super::Deployer;
use crate::domain::{InstanceId, InstanceStatus};
use crate::store::{deployments, instances};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub async fn reconcile_once(ctx: &Deployer) -> anyhow::Result<()> {
    pass(ctx, None).await
}

/// One pass; an instance not yet in `current` (this process has not yet given it its spec) gets
/// the whole spec even if it runs, and joins the set once that worked.
async fn pass(ctx: &Deployer, mut current: Option<&mut HashSet<InstanceId>>) -> anyhow::Result<()> {
    let wanted = deployments::wanted_running(&ctx.db).await?;
    let wanted_ids: HashSet<_> = wanted.iter().map(|i| i.id.clone()).collect();
    for instance in wanted.iter().filter(|i| !is_asleep(i)) {
        // The list is as old as this pass: an instance deleted, failed or put to sleep since is
        // not started again.
        let Some(instance) = instances::find_any(&ctx.db, &instance.id).await? else {
            continue;
        };
        if !instance.status.wants_running() || is_asleep(&instance) {
            continue;
        }
        let instance = &instance;
        let refresh = current.as_ref().is_some_and(|c| !c.contains(&instance.id));
        let ensured = if refresh {
            ensure_current(ctx, instance).await
        } else {
            ensure_running(ctx, instance).await
        };
        match ensured {
            Ok(_) => {
                if let Some(current) = current.as_mut() {
                    current.insert(instance.id.clone());
                }
            }
            Err(Step::Retry(e)) => {
                tracing::warn!(instance = %instance.id, error = format!("{e:#}"), "cannot start instance")
            }
            Err(Step::Failed(errors)) => {
                let details: Vec<&str> = errors.iter().map(|e| e.details.as_str()).collect();
                tracing::warn!(instance = %instance.id, ?details, "cannot start instance")
            }
            Err(Step::Abandoned) => {}
        }
    }
    for id in ctx.driver.list().await? {
        if wanted_ids.contains(&id) {
            continue;
        }
        match deployments::status(&ctx.db, &id).await? {
            // A deployment in progress owns its instance until it ends.
            Some(InstanceStatus::Deploying) => continue,
            // It became ready while this pass ran (the list of wanted ones is older).
            Some(status) if status.wants_running() => continue,
            // Another control plane sharing the engine may run it: not this one's to judge.
            None => continue,
            // Started again by a pass that raced its delete: nothing else would remove it now.
            Some(InstanceStatus::Deleted) => {
                tracing::info!(instance = %id, "removing a deleted instance that runs again");
                ctx.driver.remove(&id).await?;
                continue;
            }
            Some(_) => {}
        }
        tracing::info!(instance = %id, "stopping an instance that should not run");
        ctx.driver.stop(&id).await?;
    }
    Ok(())
}

pub async fn run(ctx: Deployer, exited: Option<Arc<Notify>>, shutdown: CancellationToken) {
    let exited = exited.unwrap_or_else(|| Arc::new(Notify::new()));
    let mut current = HashSet::new();
    loop {
        if let Err(e) = pass(&ctx, Some(&mut current)).await {
            tracing::error!(error = format!("{e:#}"), "reconcile");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(ctx.settings.reconcile_interval) => {}
            () = exited.notified() => {}
        }
    }
}
