//! The periodic check of ready instances' 360Dialog keys: which instance is due, who checks it,
//! and what a rejection records. Claims and records are conditional updates, so replicas on one
//! database neither check an instance twice at once nor send its event twice.

use super::deployments::{queue_sends, EventContent};
use super::instances::Instance;
use super::{Db, Signal};
use crate::domain::{D360ApiKey, DeploymentError, InstanceId, Timestamp, Transition};
use anyhow::Context;
use sqlx::Row;

/// When the check of an instance is due: as stored, or one interval after it became ready.
const DUE_AT: &str = "COALESCE(d360_key_check_at, ready_at + $1, 0)";

/// The stored key as checked: the sealed text fences what a check records against a key
/// replaced meanwhile (sealing is randomised, so a new key never has the same text).
pub struct StoredKey {
    pub sealed: String,
    pub key: D360ApiKey,
}

/// Claims up to `limit` ready instances whose check is due, moving each one's next check to
/// `next_at()`; an instance another replica claimed first is left out.
pub async fn claim_due(
    db: &Db,
    interval_ms: i64,
    next_at: impl Fn() -> Timestamp,
    limit: i64,
) -> anyhow::Result<Vec<InstanceId>> {
    let now = Timestamp::now().millis();
    let rows = sqlx::query(&format!(
        "SELECT id, COALESCE(d360_key_check_at, -1) AS seen FROM instances \
         WHERE status = 'ready' AND {DUE_AT} <= $2 ORDER BY {DUE_AT} LIMIT $3"
    ))
    .bind(interval_ms)
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let seen: i64 = row.try_get("seen")?;
        let won = sqlx::query(
            "UPDATE instances SET d360_key_check_at = $3 \
             WHERE id = $1 AND status = 'ready' AND COALESCE(d360_key_check_at, -1) = $2",
        )
        .bind(&id)
        .bind(seen)
        .bind(next_at().millis())
        .execute(db.pool())
        .await?
        .rows_affected()
            == 1;
        if won {
            claimed.push(stored_id(&id)?);
        }
    }
    Ok(claimed)
}

pub async fn stored_key(db: &Db, id: &InstanceId) -> anyhow::Result<Option<StoredKey>> {
    let sealed: Option<String> =
        sqlx::query_scalar("SELECT d360_api_key_sealed FROM instances WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(db.pool())
            .await?
            .flatten();
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let key = D360ApiKey::parse(&db.secrets().open(&sealed)?).map_err(anyhow::Error::msg)?;
    Ok(Some(StoredKey { sealed, key }))
}

/// Records that 360Dialog rejects `key` and queues what `transition` sends, in one transaction;
/// `false` (nothing done) if the rejection was already recorded, the key was replaced or the
/// instance left `transition.from` meanwhile.
pub async fn record_rejected(
    db: &Db,
    instance: &Instance,
    key: &StoredKey,
    transition: &Transition,
    error: &DeploymentError,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let now = Timestamp::now().millis();
    let changed = sqlx::query(
        "UPDATE instances SET status = $4, d360_key_rejected_at = $3, updated_at = $3 \
         WHERE id = $1 AND status = $5 AND d360_api_key_sealed = $2 AND d360_key_rejected_at IS NULL",
    )
    .bind(instance.id.as_str())
    .bind(&key.sealed)
    .bind(now)
    .bind(transition.to.as_str())
    .bind(transition.from.as_str())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if changed {
        let content = EventContent {
            errors: std::slice::from_ref(error),
            ..EventContent::default()
        };
        queue_sends(&mut tx, instance, transition.sends, &content).await?;
        tx.signal(Signal::Instance(instance.id.clone()));
    }
    tx.commit().await?;
    Ok(changed)
}

/// Forgets a recorded rejection of `key`, which 360Dialog accepts again; `true` if there was one.
pub async fn record_accepted(db: &Db, id: &InstanceId, key: &StoredKey) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE instances SET d360_key_rejected_at = NULL, updated_at = $3 \
         WHERE id = $1 AND d360_api_key_sealed = $2 AND d360_key_rejected_at IS NOT NULL",
    )
    .bind(id.as_str())
    .bind(&key.sealed)
    .bind(Timestamp::now().millis())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if changed {
        tx.signal(Signal::Instance(id.clone()));
    }
    tx.commit().await?;
    Ok(changed)
}

/// Ready instances whose key is not known to be rejected, with where they run: those worth
/// asking whether 360Dialog refused their key while they sent.
pub async fn unreported(db: &Db) -> anyhow::Result<Vec<(InstanceId, String)>> {
    let rows = sqlx::query(
        "SELECT id, endpoint FROM instances \
         WHERE status = 'ready' AND endpoint IS NOT NULL AND d360_key_rejected_at IS NULL",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            Ok((stored_id(&id)?, row.try_get("endpoint")?))
        })
        .collect()
}

/// Makes the instance's check due now, unless one was claimed less than `floor_ms` ago (an
/// instance that keeps reporting the same refusal costs one check per `floor_ms`). A claim lies
/// at least one interval before the next check it set.
pub async fn make_due(
    db: &Db,
    id: &InstanceId,
    interval_ms: i64,
    floor_ms: i64,
) -> anyhow::Result<bool> {
    let now = Timestamp::now().millis();
    let changed = sqlx::query(&format!(
        "UPDATE instances SET d360_key_check_at = $2 \
         WHERE id = $3 AND status = 'ready' AND d360_key_rejected_at IS NULL \
           AND {DUE_AT} > $2 AND (d360_key_check_at IS NULL OR d360_key_check_at - $1 <= $2 - $4)"
    ))
    .bind(interval_ms)
    .bind(now)
    .bind(id.as_str())
    .bind(floor_ms)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

fn stored_id(raw: &str) -> anyhow::Result<InstanceId> {
    InstanceId::parse(raw).with_context(|| format!("stored instance id {raw:?}"))
}
