//! The partner's changes to an existing instance: update and delete. Each is one transaction that
//! moves the instance as the state machine (`domain::lifecycle`) decides and queues the job that
//! carries the change out.

use super::deployments::move_status;
use super::instances::{self, Instance};
use super::jobs::{self, ClaimedJob, Job, JobKind, JobOutcome, UpdatePayload};
use super::{Backend, Db, Signal, Tx};
use crate::domain::lifecycle::{self, Operation, Refusal, Transition};
use crate::domain::{D360ApiKey, InstanceId, InstanceStatus, PartnerId, SeatCount, Timestamp};
use anyhow::{bail, Context};

#[derive(Debug, thiserror::Error)]
pub enum ChangeRefused {
    #[error("instance not found")]
    NotFound,
    /// The instance's status does not accept the change (the state machine's table says so).
    #[error("the instance is {}", .0.as_str())]
    NotIn(InstanceStatus),
}

/// The partner's instance's status, locked until `tx` ends so the decision taken on it holds
/// (a SQLite write transaction holds the whole database already).
async fn locked_status(
    tx: &mut Tx,
    partner: &PartnerId,
    id: &InstanceId,
) -> anyhow::Result<Option<InstanceStatus>> {
    let lock = match tx.db.backend() {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let raw: Option<String> = sqlx::query_scalar(&format!(
        "SELECT status FROM instances WHERE partner_id = $1 AND id = $2{lock}"
    ))
    .bind(partner.as_str())
    .bind(id.as_str())
    .fetch_optional(tx.conn())
    .await?;
    raw.map(|raw| InstanceStatus::parse(&raw).with_context(|| format!("stored status {raw:?}")))
        .transpose()
}

/// Starts an update where the state machine accepts one, clearing the instance's errors.
pub async fn begin_update(
    db: &Db,
    partner: &PartnerId,
    id: &InstanceId,
    key: Option<&D360ApiKey>,
    seats: Option<SeatCount>,
) -> anyhow::Result<Result<Instance, ChangeRefused>> {
    let mut tx = db.begin().await?;
    let Some(status) = locked_status(&mut tx, partner, id).await? else {
        return Ok(Err(ChangeRefused::NotFound));
    };
    let Ok(transition) = lifecycle::decide(status, Operation::Update) else {
        return Ok(Err(ChangeRefused::NotIn(status)));
    };
    let payload = UpdatePayload {
        d360_api_key_sealed: key.map(|k| db.secrets().seal(k.expose())),
        max_number_of_seats: seats.map(SeatCount::get),
        previous_status: Some(status.as_str().to_owned()),
    };
    if !move_status(&mut tx, id, &transition, Some(&[])).await? {
        bail!("instance {id} left {} while locked", status.as_str());
    }
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
) -> anyhow::Result<Result<Instance, ChangeRefused>> {
    let mut tx = db.begin().await?;
    let Some(status) = locked_status(&mut tx, partner, id).await? else {
        return Ok(Err(ChangeRefused::NotFound));
    };
    match lifecycle::decide(status, Operation::Delete) {
        Ok(transition) => {
            if !move_status(&mut tx, id, &transition, None).await? {
                bail!("instance {id} left {} while locked", status.as_str());
            }
            jobs::cancel_idle_for_instance(&mut tx, id, JobKind::Delete).await?;
            jobs::enqueue(&mut tx, id, &Job::Delete).await?;
            tx.commit().await?;
        }
        Err(Refusal::AlreadyDone) => {}
        Err(Refusal::NotIn(status)) => return Ok(Err(ChangeRefused::NotIn(status))),
    }
    let instance = instances::find(db, partner, id)
        .await?
        .ok_or(ChangeRefused::NotFound);
    Ok(instance)
}

/// The end of a deletion: the instance is `deleted`, kept for the partner's records.
pub async fn complete_deleted(
    db: &Db,
    job: &ClaimedJob,
    transition: &Transition,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let now = Timestamp::now().millis();
    sqlx::query(
        "UPDATE instances SET status = $3, deleted_at = $2, updated_at = $2, endpoint = NULL \
         WHERE id = $1 AND status = $4",
    )
    .bind(job.instance_id.as_str())
    .bind(now)
    .bind(transition.to.as_str())
    .bind(transition.from.as_str())
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
