//! The durable job queue: one row a job, claimed with a lease so a crashed worker's job is taken
//! over once the lease runs out. Jobs of one instance run one at a time, in the order queued.

use super::{Db, Signal, Tx};
use crate::domain::{InstanceId, Timestamp};
use serde::{Deserialize, Serialize};

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

/// Unfinished jobs, for tests and the operator.
pub async fn pending_count(db: &Db) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE finished_at IS NULL")
            .fetch_one(db.pool())
            .await?,
    )
}
