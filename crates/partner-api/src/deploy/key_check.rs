//! A key that stops working is noticed: every ready instance's 360Dialog key is checked once per
//! interval, and sooner when the instance reports that 360Dialog refused it while sending. A
//! rejection records a 702 on the instance, which stays `ready` (it runs and serves its data), and
//! queues one `errors` event; a PATCH with a new key clears it. A transient failure changes nothing.

use super::platform::report_of;
use super::Deployer;
use crate::d360::D360Error;
use crate::domain::lifecycle::{self, Operation};
use crate::domain::{DeploymentError, InstanceId, Timestamp};
use crate::store::{instances, key_checks, partners};
use futures::StreamExt;
use rand::Rng;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Instances claimed at once; a full batch is followed by the next one at once.
const BATCH: i64 = 64;
/// Calls to 360Dialog, or to instances, in flight at once.
const CONCURRENCY: usize = 8;
/// An instance that keeps reporting a refusal 360Dialog does not confirm costs one check per this.
const REPORT_FLOOR: Duration = Duration::from_secs(60);

/// Checks until shutdown; does nothing when the check is off. Instances' reports are read every
/// reconcile interval, as often as the reconciler looks at them.
pub async fn run(ctx: Deployer, shutdown: CancellationToken) {
    let Some(interval) = ctx.settings.key_check_interval else {
        return;
    };
    let tick = interval.min(ctx.settings.reconcile_interval);
    loop {
        if let Err(e) = check_once(&ctx).await {
            tracing::error!(error = format!("{e:#}"), "checking 360Dialog keys");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(tick) => {}
        }
    }
}

/// One pass: instances that report a refusal have their check made due, then every due check runs.
pub async fn check_once(ctx: &Deployer) -> anyhow::Result<()> {
    let Some(interval) = ctx.settings.key_check_interval else {
        return Ok(());
    };
    let interval_ms = interval.as_millis() as i64;
    read_reports(ctx, interval).await?;
    loop {
        let claimed =
            key_checks::claim_due(&ctx.db, interval_ms, || next_check_at(interval), BATCH).await?;
        let full = claimed.len() as i64 == BATCH;
        futures::stream::iter(claimed)
            .for_each_concurrent(CONCURRENCY, |id| async move {
                if let Err(e) = check(ctx, &id).await {
                    tracing::warn!(instance = %id, error = format!("{e:#}"), "key check");
                }
            })
            .await;
        if !full {
            return Ok(());
        }
    }
}

/// One interval from now, and up to a tenth later, so checks claimed together spread out.
/// Never earlier: the report floor counts on a claim lying at least one interval before its next.
fn next_check_at(interval: Duration) -> Timestamp {
    let spread = interval.mul_f64(rand::thread_rng().gen_range(1.0..=1.1));
    Timestamp::now().plus_millis(spread.as_millis() as i64)
}

async fn check(ctx: &Deployer, id: &InstanceId) -> anyhow::Result<()> {
    let Some(instance) = instances::find_any(&ctx.db, id).await? else {
        return Ok(());
    };
    let Some(key) = key_checks::stored_key(&ctx.db, id).await? else {
        return Ok(());
    };
    let Some(hub) = partners::get(&ctx.db, &instance.partner_id)
        .await?
        .and_then(|p| p.hub)
    else {
        return Ok(());
    };
    match ctx
        .d360
        .key_phone_number(&hub.messaging_url, &key.key)
        .await
    {
        Ok(_) => {
            if key_checks::record_accepted(&ctx.db, id, &key).await? {
                tracing::info!(instance = %id, "360Dialog accepts the instance's key again");
            }
        }
        Err(D360Error::InvalidKey) => {
            let Ok(rejected) = lifecycle::decide(instance.status, Operation::KeyRejected) else {
                return Ok(());
            };
            let error = DeploymentError::key_rejected(instance.channel_id.as_deref());
            if key_checks::record_rejected(&ctx.db, &instance, &key, &rejected, &error).await? {
                tracing::warn!(instance = %id, "360Dialog rejects the instance's key; the partner must renew it");
            }
        }
        Err(e) => tracing::warn!(instance = %id, error = %e, "cannot check the instance's key now"),
    }
    Ok(())
}

async fn read_reports(ctx: &Deployer, interval: Duration) -> anyhow::Result<()> {
    let interval_ms = interval.as_millis() as i64;
    let floor_ms = REPORT_FLOOR.min(interval).as_millis() as i64;
    let instances = key_checks::unreported(&ctx.db).await?;
    futures::stream::iter(instances)
        .for_each_concurrent(CONCURRENCY, |(id, endpoint)| async move {
            // An instance that does not answer is the reconciler's business, not this check's.
            let refused = match refused_while_sending(ctx, &id, &endpoint).await {
                Ok(refused) => refused,
                Err(e) => {
                    tracing::debug!(instance = %id, error = format!("{e:#}"), "no report");
                    false
                }
            };
            if !refused {
                return;
            }
            match key_checks::make_due(&ctx.db, &id, interval_ms, floor_ms).await {
                Ok(true) => tracing::info!(instance = %id, "the instance reports a refused key; checking it now"),
                Ok(false) => {}
                Err(e) => tracing::warn!(instance = %id, error = format!("{e:#}"), "key check"),
            }
        })
        .await;
    Ok(())
}

async fn refused_while_sending(
    ctx: &Deployer,
    id: &InstanceId,
    endpoint: &str,
) -> anyhow::Result<bool> {
    let report = report_of(ctx, id, endpoint).await?;
    Ok(report.is_some_and(|r| r.d360_key_rejected))
}
