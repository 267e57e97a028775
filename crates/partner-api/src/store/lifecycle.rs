//! The partner's changes to an existing instance: update and delete. Each is one transaction that
//! moves the instance to its transitional status and queues the job that carries the change out.

use super::deployments::transition;
use super::instances::{self, Instance};
use super::jobs::{self, ClaimedJob, Job, JobKind, JobOutcome, UpdatePayload};
use super::{Db, Signal};
use crate::domain::{D360ApiKey, InstanceId, InstanceStatus, PartnerId, SeatCount, Timestamp};

#[derive(Debug, thiserror::Error)]
pub enum ChangeRefused {
    #[error("instance not found")]
    NotFound,
    #[error("the instance is {0}")]
    Busy(&'static str),
}

pub async fn begin_update(
    db: &Db,
    partner: &PartnerId,
    id: &InstanceId,
    key: Option<&D360ApiKey>,
    seats: Option<SeatCount>,
) -> anyhow::Result<Result<Instance, ChangeRefused>> {
    let mut tx = db.begin().await?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM instances WHERE partner_id = $1 AND id = $2")
            .bind(partner.as_str())
            .bind(id.as_str())
            .fetch_optional(tx.conn())
            .await?;
    let Some(status) = current.as_deref().and_then(InstanceStatus::parse) else {
        return Ok(Err(ChangeRefused::NotFound));
    };
    if !matches!(status, InstanceStatus::Ready | InstanceStatus::Failed) {
        return Ok(Err(ChangeRefused::Busy(status.as_str())));
    }
    let payload = UpdatePayload {
        d360_api_key_sealed: key.map(|k| db.secrets().seal(k.expose())),
        max_number_of_seats: seats.map(SeatCount::get),
        previous_status: Some(status.as_str().to_owned()),
    };
    transition(&mut tx, id, &[status], InstanceStatus::Updating, &[]).await?;
    jobs::enqueue(&mut tx, id, &Job::Update(payload)).await?;
    tx.commit().await?;
    let instance = instances::find(db, partner, id)
        .await?
        .ok_or(ChangeRefused::NotFound);
    Ok(instance)
}

/// Starts the deletion; deleting a deleting or deleted instance changes nothing.
pub async fn begin_delete(
    db: &Db,
    partner: &PartnerId,
    id: &InstanceId,
) -> anyhow::Result<Option<Instance>> {
    let mut tx = db.begin().await?;
    let now = Timestamp::now().millis();
    let changed = sqlx::query(
        "UPDATE instances SET status = 'deleting', updated_at = $3 \
         WHERE partner_id = $1 AND id = $2 AND status NOT IN ('deleting', 'deleted')",
    )
    .bind(partner.as_str())
    .bind(id.as_str())
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if changed {
        jobs::cancel_idle_for_instance(&mut tx, id, JobKind::Delete).await?;
        jobs::enqueue(&mut tx, id, &Job::Delete).await?;
        tx.signal(Signal::Instance(id.clone()));
    }
    tx.commit().await?;
    instances::find(db, partner, id).await
}

/// The end of a deletion: the instance is `deleted`, kept for the partner's records.
pub async fn complete_deleted(db: &Db, job: &ClaimedJob) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let now = Timestamp::now().millis();
    sqlx::query(
        "UPDATE instances SET status = 'deleted', deleted_at = $2, updated_at = $2, endpoint = NULL \
         WHERE id = $1 AND status = 'deleting'",
    )
    .bind(job.instance_id.as_str())
    .bind(now)
    .execute(tx.conn())
    .await?;
    tx.signal(Signal::Instance(job.instance_id.clone()));
    jobs::finish_in(&mut tx, job, JobOutcome::Deleted).await?;
    tx.commit().await
}

/// Applies what an update job changed on the running instance, so the database shows it.
pub async fn record_applied(
    db: &Db,
    id: &InstanceId,
    key: Option<&D360ApiKey>,
    seats: Option<u32>,
) -> anyhow::Result<()> {
    let now = Timestamp::now().millis();
    if let Some(key) = key {
        sqlx::query("UPDATE instances SET d360_api_key_sealed = $2, d360_api_key_hint = $3, d360_key_rejected_at = NULL, updated_at = $4 WHERE id = $1")
            .bind(id.as_str())
            .bind(db.secrets().seal(key.expose()))
            .bind(key.hint())
            .bind(now)
            .execute(db.pool())
            .await?;
    }
    if let Some(seats) = seats {
        sqlx::query("UPDATE instances SET max_number_of_seats = $2, updated_at = $3 WHERE id = $1")
            .bind(id.as_str())
            .bind(i64::from(seats))
            .bind(now)
            .execute(db.pool())
            .await?;
    }
    Ok(())
}
