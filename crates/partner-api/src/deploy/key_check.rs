//! A key that stops working is noticed: every ready instance's 360Dialog key is checked once per
//! interval, and sooner when the instance reports that 360Dialog refused it while sending. A
//! rejection records a 702 on the instance, which stays `ready` (it runs and serves its data), and
//! queues one `errors` event; a PATCH with a new key clears it. A transient failure changes nothing.

use super::platform::{report_of, InstanceReport};
use super::sleep::Sleep;
use super::Deployer;
use crate::d360::D360Error;
use crate::domain::lifecycle::{self, Operation};
use crate::domain::{DeploymentError, InstanceId, Timestamp};
use crate::store::{instances, key_checks, partners};
use futures::StreamExt;
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};
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

/// The last report read of each instance. An instance that has had no request since, runs at the
/// same endpoint and had nothing left to send then can have met no refusal since: it is not asked
/// again, so a quiet instance stays quiet (each question maps its serving code back in).
#[derive(Default)]
pub struct LastReports(Mutex<HashMap<InstanceId, LastReport>>);

struct LastReport {
    asked_at: Instant,
    endpoint: String,
    pending_work: bool,
}

impl LastReports {
    fn worth_asking(&self, sleep: &Sleep, id: &InstanceId, endpoint: &str) -> bool {
        let reports = self.0.lock().unwrap_or_else(|e| e.into_inner());
        reports.get(id).is_none_or(|last| {
            last.pending_work || last.endpoint != endpoint || sleep.active_since(id, last.asked_at)
        })
    }

    fn record(&self, id: &InstanceId, endpoint: &str, asked_at: Instant, report: &InstanceReport) {
        let last = LastReport {
            asked_at,
            endpoint: endpoint.to_owned(),
            pending_work: report.pending_work,
        };
        let mut reports = self.0.lock().unwrap_or_else(|e| e.into_inner());
        reports.insert(id.clone(), last);
    }

    /// Forgets the instances that are no longer asked (deleted, asleep, failed, refused).
    fn keep_only(&self, ids: &HashSet<&InstanceId>) {
        let mut reports = self.0.lock().unwrap_or_else(|e| e.into_inner());
        reports.retain(|id, _| ids.contains(id));
    }
}

async fn read_reports(ctx: &Deployer, interval: Duration) -> anyhow::Result<()> {
    let interval_ms = interval.as_millis() as i64;
    let floor_ms = REPORT_FLOOR.min(interval).as_millis() as i64;
    let instances = key_checks::unreported(&ctx.db).await?;
    ctx.last_reports
        .keep_only(&instances.iter().map(|(id, _)| id).collect());
    let worth_asking = instances
        .into_iter()
        .filter(|(id, endpoint)| ctx.last_reports.worth_asking(&ctx.sleep, id, endpoint));
    futures::stream::iter(worth_asking)
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
    let asked_at = Instant::now();
    let report = report_of(ctx, id, endpoint).await?;
    if let Some(report) = &report {
        ctx.last_reports.record(id, endpoint, asked_at, report);
    }
    Ok(report.is_some_and(|r| r.d360_key_rejected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn report(pending_work: bool) -> InstanceReport {
        InstanceReport {
            d360_key_rejected: false,
            pending_work,
        }
    }

    /// An instance whose one request has ended, never asked for its report.
    fn after_a_request() -> (Arc<Sleep>, LastReports, InstanceId) {
        let sleep = Arc::new(Sleep::default());
        let id = InstanceId::generate();
        drop(sleep.busy(&id));
        (sleep, LastReports::default(), id)
    }

    #[test]
    fn a_quiet_instance_is_asked_once_and_again_after_its_next_request() {
        let (sleep, reports, id) = after_a_request();
        assert!(reports.worth_asking(&sleep, &id, "a:8080"), "never asked");

        reports.record(&id, "a:8080", Instant::now(), &report(false));
        assert!(!reports.worth_asking(&sleep, &id, "a:8080"), "quiet since");
        assert!(
            reports.worth_asking(&sleep, &id, "b:8080"),
            "started again elsewhere"
        );

        // The clock moves on before the next request.
        std::thread::sleep(Duration::from_millis(2));
        let request = sleep.busy(&id);
        assert!(
            reports.worth_asking(&sleep, &id, "a:8080"),
            "a request open"
        );
        drop(request);
        assert!(
            reports.worth_asking(&sleep, &id, "a:8080"),
            "a request since"
        );
    }

    #[test]
    fn an_instance_with_messages_to_send_is_asked_every_time() {
        let (sleep, reports, id) = after_a_request();

        reports.record(&id, "a:8080", Instant::now(), &report(true));

        assert!(reports.worth_asking(&sleep, &id, "a:8080"));
    }
}
