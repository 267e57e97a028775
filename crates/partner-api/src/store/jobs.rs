//! The durable job queue: one row a job, claimed with a lease so a crashed worker's job is taken
//! over once the lease runs out. Jobs of one instance run one at a time, in the order queued.

mod job;

pub use job::{Job, JobKind, JobOutcome, UpdatePayload};

use super::{Backend, Db, Signal, Tx};
use crate::domain::{InstanceId, Timestamp};
use anyhow::Context;
use sqlx::Row;

pub async fn enqueue(tx: &mut Tx, instance: &InstanceId, job: &Job) -> anyhow::Result<()> {
    let now = Timestamp::now().millis();
    sqlx::query(
        "INSERT INTO jobs (kind, instance_id, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(job.kind().as_str())
    .bind(instance.as_str())
    .bind(job.to_stored()?)
    .bind(now)
    .execute(tx.conn())
    .await?;
    tx.signal(Signal::Jobs);
    Ok(())
}

/// A job a worker holds until `lease_until`.
#[derive(Clone, Debug)]
pub struct ClaimedJob {
    pub id: i64,
    pub instance_id: InstanceId,
    pub payload: Job,
    /// 1 on the first run; also the fencing number of this claim: the job's row takes a
    /// heartbeat or a completion only while its `attempts` is still this.
    pub attempt: i64,
    pub attempt_id: i64,
}

impl ClaimedJob {
    pub fn kind(&self) -> JobKind {
        self.payload.kind()
    }
}

/// A completion refused because another worker took the job over after this one's lease ran out.
#[derive(Debug, thiserror::Error)]
#[error("job {job} attempt {attempt} lost its lease: another worker took it over")]
pub struct LeaseLost {
    pub job: i64,
    pub attempt: i64,
}

/// Claims the next due job whose instance has no earlier unfinished job, so one instance's jobs
/// run one at a time and in order. A job whose lease ran out (its worker died) is due again.
/// A stored job that cannot be read is an error, kept on its row for the operator.
pub async fn claim_next(
    db: &Db,
    worker: &str,
    lease_ms: i64,
) -> anyhow::Result<Option<ClaimedJob>> {
    let now = Timestamp::now().millis();
    let skip_locked = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut tx = db.begin().await?;
    let row = sqlx::query(&format!(
        "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT j.id FROM jobs j \
             WHERE j.finished_at IS NULL AND j.run_at <= $3 AND (j.locked_until IS NULL OR j.locked_until < $3) \
               AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.instance_id = j.instance_id AND e.finished_at IS NULL AND e.id < j.id) \
             ORDER BY j.run_at, j.id LIMIT 1 {skip_locked}) \
         RETURNING id, kind, instance_id, payload, attempts"
    ))
    .bind(worker)
    .bind(now + lease_ms)
    .bind(now)
    .fetch_optional(tx.conn())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let attempt_id: i64 = sqlx::query_scalar(
        "INSERT INTO job_attempts (job_id, worker, started_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(id)
    .bind(worker)
    .bind(now)
    .fetch_one(tx.conn())
    .await?;
    let kind: String = row.try_get("kind")?;
    let payload: String = row.try_get("payload")?;
    let job = match Job::from_stored(&kind, &payload) {
        Ok(job) => job,
        Err(e) => {
            let error = format!("{e:#}");
            sqlx::query("UPDATE jobs SET last_error = $2 WHERE id = $1")
                .bind(id)
                .bind(&error)
                .execute(tx.conn())
                .await?;
            sqlx::query("UPDATE job_attempts SET finished_at = $2, error = $3 WHERE id = $1")
                .bind(attempt_id)
                .bind(now)
                .bind(&error)
                .execute(tx.conn())
                .await?;
            tx.commit().await?;
            return Err(e.context(format!("job {id} cannot be read")));
        }
    };
    tx.commit().await?;
    let instance: String = row.try_get("instance_id")?;
    Ok(Some(ClaimedJob {
        id,
        instance_id: InstanceId::parse(&instance)
            .with_context(|| format!("stored instance id {instance:?}"))?,
        payload: job,
        attempt: row.try_get("attempts")?,
        attempt_id,
    }))
}

/// Extends the lease of a job this claim still holds; `false` once another worker took it over
/// or it is finished.
pub async fn heartbeat(db: &Db, job: &ClaimedJob, lease_ms: i64) -> anyhow::Result<bool> {
    let result = sqlx::query(
        "UPDATE jobs SET locked_until = $3 WHERE id = $1 AND attempts = $2 AND finished_at IS NULL",
    )
    .bind(job.id)
    .bind(job.attempt)
    .bind(Timestamp::now().millis() + lease_ms)
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Completes this claim's row in `job_attempts`; a late attempt completes its own row too.
pub async fn close_attempt(db: &Db, job: &ClaimedJob, error: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    close_attempt_in(&mut tx, job, Some(error)).await?;
    tx.commit().await
}

async fn close_attempt_in(
    tx: &mut Tx,
    job: &ClaimedJob,
    error: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE job_attempts SET finished_at = $2, error = $3 WHERE id = $1 AND finished_at IS NULL")
        .bind(job.attempt_id)
        .bind(Timestamp::now().millis())
        .bind(error)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Marks the job done inside `tx`, the transaction that also records what the job achieved. A
/// claim another worker took over is refused with [`LeaseLost`], so the caller's transaction
/// rolls back and what the late worker found is not recorded.
pub async fn finish_in(tx: &mut Tx, job: &ClaimedJob, outcome: JobOutcome) -> anyhow::Result<()> {
    let finished = sqlx::query(
        "UPDATE jobs SET finished_at = $3, outcome = $4, locked_until = NULL \
         WHERE id = $1 AND attempts = $2 AND finished_at IS NULL",
    )
    .bind(job.id)
    .bind(job.attempt)
    .bind(Timestamp::now().millis())
    .bind(outcome.as_str())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if !finished {
        return Err(LeaseLost {
            job: job.id,
            attempt: job.attempt,
        }
        .into());
    }
    close_attempt_in(tx, job, None).await?;
    tx.signal(Signal::Jobs);
    Ok(())
}

pub async fn finish(db: &Db, job: &ClaimedJob, outcome: JobOutcome) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    finish_in(&mut tx, job, outcome).await?;
    tx.commit().await
}

/// Records the failed attempt and makes the job due again after `delay_ms`. A claim another
/// worker took over only closes its own attempt: the job is that worker's now.
pub async fn retry_later(
    db: &Db,
    job: &ClaimedJob,
    error: &str,
    delay_ms: i64,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    close_attempt_in(&mut tx, job, Some(error)).await?;
    sqlx::query(
        "UPDATE jobs SET run_at = $3, locked_by = NULL, locked_until = NULL, last_error = $4 \
         WHERE id = $1 AND attempts = $2 AND finished_at IS NULL",
    )
    .bind(job.id)
    .bind(job.attempt)
    .bind(Timestamp::now().millis() + delay_ms)
    .bind(error)
    .execute(tx.conn())
    .await?;
    tx.commit().await
}

/// Ends the unfinished jobs of an instance that no worker holds (a delete makes them moot).
pub async fn cancel_idle_for_instance(
    tx: &mut Tx,
    instance: &InstanceId,
    except_kind: JobKind,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE jobs SET finished_at = $2, outcome = $4 \
         WHERE instance_id = $1 AND finished_at IS NULL AND kind <> $3 AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(instance.as_str())
    .bind(Timestamp::now().millis())
    .bind(except_kind.as_str())
    .bind(JobOutcome::Cancelled.as_str())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The earliest time a job becomes due, so an idle worker knows how long it may sleep.
pub async fn next_due_at(db: &Db) -> anyhow::Result<Option<Timestamp>> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(CASE WHEN locked_until IS NOT NULL AND locked_until > run_at THEN locked_until ELSE run_at END) \
         FROM jobs WHERE finished_at IS NULL",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(next.map(Timestamp::from_millis))
}

/// Unfinished jobs, for tests and the operator.
pub async fn pending_count(db: &Db) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE finished_at IS NULL")
            .fetch_one(db.pool())
            .await?,
    )
}
