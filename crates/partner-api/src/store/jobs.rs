//! The durable job queue: one row a job, claimed with a lease so a crashed worker's job is taken
//! over once the lease runs out. Jobs of one instance run one at a time, in the order queued.

use super::{Backend, Db, Signal, Tx};
use crate::domain::{InstanceId, Timestamp};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Deploy,
    Update,
    Delete,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deploy => "deploy",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Deploy, Self::Update, Self::Delete]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

pub async fn enqueue(
    tx: &mut Tx,
    kind: JobKind,
    instance: &InstanceId,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let now = Timestamp::now().millis();
    sqlx::query(
        "INSERT INTO jobs (kind, instance_id, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(kind.as_str())
    .bind(instance.as_str())
    .bind(payload.to_string())
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
    pub kind: JobKind,
    pub instance_id: InstanceId,
    pub payload: serde_json::Value,
    /// 1 on the first run.
    pub attempt: i64,
    pub attempt_id: i64,
}

/// Claims the next due job whose instance has no earlier unfinished job, so one instance's jobs
/// run one at a time and in order. A job whose lease ran out (its worker died) is due again.
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
    tx.commit().await?;
    let kind: String = row.try_get("kind")?;
    let instance: String = row.try_get("instance_id")?;
    let payload: String = row.try_get("payload")?;
    Ok(Some(ClaimedJob {
        id,
        kind: JobKind::parse(&kind).with_context(|| format!("stored job kind {kind:?}"))?,
        instance_id: InstanceId::parse(&instance)
            .with_context(|| format!("stored instance id {instance:?}"))?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        attempt: row.try_get("attempts")?,
        attempt_id,
    }))
}

/// Extends the lease of a job this worker still holds; `false` if it lost it.
pub async fn heartbeat(
    db: &Db,
    job: &ClaimedJob,
    worker: &str,
    lease_ms: i64,
) -> anyhow::Result<bool> {
    let result = sqlx::query("UPDATE jobs SET locked_until = $3 WHERE id = $1 AND locked_by = $2 AND finished_at IS NULL")
        .bind(job.id)
        .bind(worker)
        .bind(Timestamp::now().millis() + lease_ms)
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected() == 1)
}

async fn close_attempt(tx: &mut Tx, job: &ClaimedJob, error: Option<&str>) -> anyhow::Result<()> {
    sqlx::query("UPDATE job_attempts SET finished_at = $2, error = $3 WHERE id = $1")
        .bind(job.attempt_id)
        .bind(Timestamp::now().millis())
        .bind(error)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Marks the job done inside `tx`, the transaction that also records what the job achieved.
pub async fn finish_in(tx: &mut Tx, job: &ClaimedJob, outcome: &str) -> anyhow::Result<()> {
    close_attempt(tx, job, None).await?;
    sqlx::query(
        "UPDATE jobs SET finished_at = $2, outcome = $3, locked_until = NULL WHERE id = $1",
    )
    .bind(job.id)
    .bind(Timestamp::now().millis())
    .bind(outcome)
    .execute(tx.conn())
    .await?;
    tx.signal(Signal::Jobs);
    Ok(())
}

pub async fn finish(db: &Db, job: &ClaimedJob, outcome: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    finish_in(&mut tx, job, outcome).await?;
    tx.commit().await
}

/// Records the failed attempt and makes the job due again after `delay_ms`.
pub async fn retry_later(
    db: &Db,
    job: &ClaimedJob,
    error: &str,
    delay_ms: i64,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    close_attempt(&mut tx, job, Some(error)).await?;
    sqlx::query("UPDATE jobs SET run_at = $2, locked_by = NULL, locked_until = NULL, last_error = $3 WHERE id = $1")
        .bind(job.id)
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
        "UPDATE jobs SET finished_at = $2, outcome = 'cancelled' \
         WHERE instance_id = $1 AND finished_at IS NULL AND kind <> $3 AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(instance.as_str())
    .bind(Timestamp::now().millis())
    .bind(except_kind.as_str())
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
