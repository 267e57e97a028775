//! The job workers: each claims the next due job, runs it while a heartbeat keeps its lease, and
//! retries transient failures with backoff until the job gives up.

use super::{delete_job, deploy_job, update_job, Deployer};
use crate::domain::Timestamp;
use crate::store::jobs::{self, ClaimedJob, Job};
use crate::store::Signal;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The longest an idle worker sleeps before it looks at the queue again (signals wake it sooner).
const IDLE_POLL: Duration = Duration::from_secs(2);

pub fn spawn_workers(
    ctx: &Deployer,
    shutdown: &CancellationToken,
    tasks: &mut JoinSet<anyhow::Result<()>>,
) {
    for _ in 0..ctx.settings.workers {
        let ctx = ctx.clone();
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            work(ctx, shutdown).await;
            Ok(())
        });
    }
}

async fn work(ctx: Deployer, shutdown: CancellationToken) {
    let mut signals = ctx.db.signals().subscribe();
    while !shutdown.is_cancelled() {
        let ran = tokio::select! {
            ran = run_next_job_until(&ctx, &shutdown) => ran,
            () = shutdown.cancelled() => break,
        };
        match ran {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::error!(error = format!("{e:#}"), "job worker"),
        }
        let sleep = idle_sleep(&ctx).await;
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(sleep) => {}
            () = wait_for_jobs_signal(&mut signals) => {}
        }
    }
}

async fn wait_for_jobs_signal(signals: &mut tokio::sync::broadcast::Receiver<Signal>) {
    loop {
        match signals.recv().await {
            Ok(Signal::Jobs) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}

async fn idle_sleep(ctx: &Deployer) -> Duration {
    match jobs::next_due_at(&ctx.db).await {
        Ok(Some(due)) => {
            let wait = due.millis() - Timestamp::now().millis();
            Duration::from_millis(wait.clamp(10, IDLE_POLL.as_millis() as i64) as u64)
        }
        _ => IDLE_POLL,
    }
}

/// Runs the next due job, if any: the single step tests drive. `true` if one ran.
pub async fn run_next_job(ctx: &Deployer) -> anyhow::Result<bool> {
    run_next_job_until(ctx, &CancellationToken::new()).await
}

async fn run_next_job_until(ctx: &Deployer, shutdown: &CancellationToken) -> anyhow::Result<bool> {
    let lease_ms = ctx.settings.lease.as_millis() as i64;
    let Some(job) = jobs::claim_next(&ctx.db, &ctx.worker_id, lease_ms).await? else {
        return Ok(false);
    };
    run_claimed_until(ctx, &job, shutdown).await?;
    Ok(true)
}

/// Runs a job claimed with [`jobs::claim_next`] while keeping its lease, and records how it went.
pub async fn run_claimed(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<()> {
    run_claimed_until(ctx, job, &CancellationToken::new()).await
}

enum Ended {
    Ran(anyhow::Result<()>),
    Shutdown,
    LeaseLost,
}

/// The job's work stops as soon as its lease is lost: another worker has taken it over, and two
/// workers must not drive one instance at once.
async fn run_claimed_until(
    ctx: &Deployer,
    job: &ClaimedJob,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let lease_lost = CancellationToken::new();
    let keeper = tokio::spawn(keep_lease(ctx.clone(), job.clone(), lease_lost.clone()));
    let ended = tokio::select! {
        result = run(ctx, job) => Ended::Ran(result),
        () = shutdown.cancelled() => Ended::Shutdown,
        () = lease_lost.cancelled() => Ended::LeaseLost,
    };
    keeper.abort();
    let recorded = match ended {
        Ended::Ran(Ok(())) => Ok(()),
        // Shutting down: hand the job back at once instead of waiting for the lease to run out.
        Ended::Shutdown => jobs::retry_later(&ctx.db, job, "interrupted by shutdown", 0).await,
        Ended::LeaseLost => Err(jobs::LeaseLost {
            job: job.id,
            attempt: job.attempt,
        }
        .into()),
        Ended::Ran(Err(e)) if job.attempt >= ctx.settings.max_attempts => {
            tracing::warn!(job = job.id, instance = %job.instance_id, error = format!("{e:#}"), "job gives up");
            give_up(ctx, job, &e).await
        }
        Ended::Ran(Err(e)) => {
            let delay = backoff(ctx, job.attempt);
            tracing::warn!(job = job.id, instance = %job.instance_id, attempt = job.attempt, ?delay, error = format!("{e:#}"), "job will retry");
            jobs::retry_later(&ctx.db, job, &format!("{e:#}"), delay.as_millis() as i64).await
        }
    };
    match recorded {
        Err(e) if e.is::<jobs::LeaseLost>() => {
            tracing::warn!(job = job.id, instance = %job.instance_id, attempt = job.attempt, "job stopped: another worker took it over");
            jobs::close_attempt(&ctx.db, job, &format!("{e:#}")).await
        }
        other => other,
    }
}

fn backoff(ctx: &Deployer, attempt: i64) -> Duration {
    let factor = 2u32.saturating_pow(attempt.clamp(1, 16) as u32 - 1);
    (ctx.settings.retry_base * factor).min(Duration::from_secs(60))
}

async fn run(ctx: &Deployer, job: &ClaimedJob) -> anyhow::Result<()> {
    match job.payload {
        Job::Deploy => deploy_job::run(ctx, job).await,
        Job::Update(_) => update_job::run(ctx, job).await,
        Job::Delete => delete_job::run(ctx, job).await,
    }
}

async fn give_up(ctx: &Deployer, job: &ClaimedJob, error: &anyhow::Error) -> anyhow::Result<()> {
    match job.payload {
        Job::Deploy => deploy_job::give_up(ctx, job, error).await,
        Job::Update(_) => update_job::give_up(ctx, job, error).await,
        // A delete is never abandoned: its job keeps retrying at the longest backoff.
        Job::Delete => jobs::retry_later(&ctx.db, job, &format!("{error:#}"), 60_000).await,
    }
}

/// Renews the lease every third of it; trips `lost` once another worker holds the job, or once
/// the lease ran out because the database could not be reached to renew it.
async fn keep_lease(ctx: Deployer, job: ClaimedJob, lost: CancellationToken) {
    let lease = ctx.settings.lease;
    let mut held_until = Instant::now() + lease;
    let mut tick = tokio::time::interval(lease / 3);
    tick.tick().await;
    loop {
        tick.tick().await;
        let asked = Instant::now();
        match jobs::heartbeat(&ctx.db, &job, lease.as_millis() as i64).await {
            Ok(true) => held_until = asked + lease,
            Ok(false) => {
                tracing::warn!(job = job.id, "lost the lease of a running job: stopping it");
                lost.cancel();
                return;
            }
            Err(e) if Instant::now() >= held_until => {
                tracing::warn!(job = job.id, error = %e, "the lease of a running job ran out unrenewed: stopping it");
                lost.cancel();
                return;
            }
            Err(e) => tracing::warn!(job = job.id, error = %e, "job heartbeat"),
        }
    }
}
