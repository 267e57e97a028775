//! Idle instances sleep and wake on their first request. A ready instance with no request, no open
//! websocket and no pending work for `--instance-idle-seconds` is stopped by its driver and its
//! endpoint cleared: a ready instance without an endpoint is asleep. Its status stays `ready`; the
//! reconciler leaves it stopped, and the router wakes it when a request (a person's, or one of
//! 360Dialog's webhooks) comes for it.
//!
//! Putting an instance to sleep and waking it take the instance's turn (one at a time per
//! instance), so concurrent first requests start it once and a wake never races a sleep.

use super::health::{wait_healthy, Health};
use super::platform::report_of;
use super::runtime::ensure_running;
use super::step::Step;
use super::Deployer;
use crate::domain::{InstanceId, InstanceStatus};
use crate::store::instances::Instance;
use crate::store::{deployments, instances};
use anyhow::{anyhow, bail};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A request that looked its route up just before the endpoint was cleared is counted within
/// this; the instance is stopped only if none was.
const SETTLE: Duration = Duration::from_millis(50);

/// A ready instance without an endpoint is asleep.
pub fn is_asleep(instance: &Instance) -> bool {
    instance.status.wants_running() && instance.endpoint.is_none()
}

/// What the router and the sleeper share: how busy each instance is, and each one's turn.
#[derive(Default)]
pub struct Sleep {
    activity: Mutex<HashMap<InstanceId, Activity>>,
    turns: Mutex<HashMap<InstanceId, Arc<tokio::sync::Mutex<()>>>>,
}

struct Activity {
    /// Requests in flight and websockets open.
    busy: usize,
    last: Instant,
}

/// One request or websocket of an instance; dropping it ends it.
pub struct Busy {
    sleep: Arc<Sleep>,
    id: InstanceId,
}

impl Sleep {
    /// Marks the instance busy until the guard is dropped.
    pub fn busy(self: &Arc<Self>, id: &InstanceId) -> Busy {
        let mut activity = self.activity.lock().unwrap_or_else(|e| e.into_inner());
        let entry = activity.entry(id.clone()).or_insert(Activity {
            busy: 0,
            last: Instant::now(),
        });
        entry.busy += 1;
        Busy {
            sleep: self.clone(),
            id: id.clone(),
        }
    }

    /// How long the instance has had nothing to do; `None` while it is busy. An instance not seen
    /// before counts from now (a fresh one, or every one after a restart of `serve`).
    fn idle_for(&self, id: &InstanceId) -> Option<Duration> {
        let mut activity = self.activity.lock().unwrap_or_else(|e| e.into_inner());
        let entry = activity.entry(id.clone()).or_insert(Activity {
            busy: 0,
            last: Instant::now(),
        });
        (entry.busy == 0).then(|| entry.last.elapsed())
    }

    /// Whether a request or websocket of the instance ended after `since` or is open now; an
    /// instance not seen counts as active.
    pub fn active_since(&self, id: &InstanceId, since: Instant) -> bool {
        let activity = self.activity.lock().unwrap_or_else(|e| e.into_inner());
        activity
            .get(id)
            .is_none_or(|a| a.busy > 0 || a.last > since)
    }

    fn touch(&self, id: &InstanceId) {
        let mut activity = self.activity.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = activity.get_mut(id) {
            entry.last = Instant::now();
        }
    }

    fn forget(&self, id: &InstanceId) {
        let mut activity = self.activity.lock().unwrap_or_else(|e| e.into_inner());
        if activity.get(id).is_some_and(|a| a.busy == 0) {
            activity.remove(id);
        }
        self.turns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    fn turn(&self, id: &InstanceId) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
        turns.entry(id.clone()).or_default().clone()
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut activity = self
            .sleep
            .activity
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = activity.get_mut(&self.id) {
            entry.busy = entry.busy.saturating_sub(1);
            entry.last = Instant::now();
        }
    }
}

/// Starts a sleeping instance and answers its endpoint once it answers its health check; an
/// instance that is awake answers at once. Concurrent calls start it once.
pub async fn wake(ctx: &Deployer, id: &InstanceId) -> anyhow::Result<String> {
    let turn = ctx.sleep.turn(id);
    let _turn = turn.lock().await;
    let instance = instances::find_any(&ctx.db, id)
        .await?
        .ok_or_else(|| anyhow!("instance {id} is gone"))?;
    if !instance.status.wants_running() {
        bail!("instance {id} is {}", instance.status.as_str());
    }
    if let Some(endpoint) = instance.endpoint {
        return Ok(endpoint);
    }
    let started = Instant::now();
    let endpoint = match ensure_running(ctx, &instance).await {
        Ok(endpoint) => endpoint,
        Err(Step::Retry(e)) => return Err(e),
        Err(Step::Failed(errors)) => bail!("cannot start: {errors:?}"),
        Err(Step::Abandoned) => bail!("instance {id} changed while waking"),
    };
    match wait_healthy(ctx, id, &endpoint, InstanceStatus::Ready).await? {
        Health::Healthy => {}
        Health::TimedOut => bail!("instance {id} did not answer after waking"),
        Health::Abandoned => bail!("instance {id} changed while waking"),
    }
    ctx.sleep.touch(id);
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(instance = %id, elapsed_ms, "instance woke");
    metrics::histogram!("partner_api_instance_wake_seconds").record(started.elapsed());
    Ok(endpoint)
}

/// Puts idle instances to sleep until shutdown; does nothing when `--instance-idle-seconds` is 0.
pub async fn run(ctx: Deployer, shutdown: CancellationToken) {
    let Some(idle) = ctx.settings.idle_after else {
        return;
    };
    let tick = (idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        if let Err(e) = sleep_idle(&ctx, idle).await {
            tracing::error!(error = format!("{e:#}"), "putting idle instances to sleep");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(tick) => {}
        }
    }
}

/// Instances put to sleep at once: each waits for its process to stop.
const AT_ONCE: usize = 32;

async fn sleep_idle(ctx: &Deployer, idle: Duration) -> anyhow::Result<()> {
    let awake = instances::with_statuses(&ctx.db, &[InstanceStatus::Ready]).await?;
    let idle_ones = awake
        .into_iter()
        .filter(|i| i.endpoint.is_some() && ctx.sleep.idle_for(&i.id).is_some_and(|d| d >= idle));
    futures::stream::iter(idle_ones)
        .for_each_concurrent(AT_ONCE, |instance| async move {
            if let Err(e) = put_to_sleep(ctx, &instance.id, idle).await {
                tracing::warn!(instance = %instance.id, error = format!("{e:#}"), "cannot put to sleep");
            }
        })
        .await;
    Ok(())
}

async fn put_to_sleep(ctx: &Deployer, id: &InstanceId, idle: Duration) -> anyhow::Result<()> {
    let turn = ctx.sleep.turn(id);
    let _turn = turn.lock().await;
    let Some(instance) = instances::find_any(&ctx.db, id).await? else {
        return Ok(());
    };
    let Some(endpoint) = instance.endpoint.as_deref() else {
        return Ok(());
    };
    if instance.status != InstanceStatus::Ready {
        return Ok(());
    }
    if has_pending_work(ctx, &instance, endpoint).await {
        ctx.sleep.touch(id);
        return Ok(());
    }
    deployments::set_endpoint(&ctx.db, id, None).await?;
    tokio::time::sleep(SETTLE).await;
    if ctx.sleep.idle_for(id).is_none_or(|d| d < idle) {
        deployments::set_endpoint(&ctx.db, id, Some(endpoint)).await?;
        return Ok(());
    }
    ctx.driver.stop(id).await?;
    ctx.sleep.forget(id);
    tracing::info!(instance = %id, "instance asleep");
    Ok(())
}

/// Messages still to send (360Dialog was down): the instance keeps retrying them, awake. An
/// instance that cannot tell is left awake too.
async fn has_pending_work(ctx: &Deployer, instance: &Instance, endpoint: &str) -> bool {
    match report_of(ctx, &instance.id, endpoint).await {
        Ok(Some(report)) => report.pending_work,
        Ok(None) => true,
        Err(e) => {
            tracing::warn!(instance = %instance.id, error = format!("{e:#}"), "cannot ask the instance whether it has work");
            true
        }
    }
}
