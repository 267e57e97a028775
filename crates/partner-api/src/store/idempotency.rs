//! `Idempotency-Key`: the first answer to a request, kept for 24 hours and replayed to its
//! retries. Keys are scoped to the partner, so two partners' keys never collide.

use super::{Db, Tx};
use crate::domain::{PartnerId, Timestamp};
use sqlx::Row;

const KEEP_MS: i64 = 24 * 3600 * 1000;
/// A request still "in progress" after this long is taken to have died with its process.
const IN_PROGRESS_MS: i64 = 60 * 1000;

pub enum Claim {
    /// This request runs; it must complete or release the key.
    Proceed(Claimed),
    Replay {
        status: u16,
        body: String,
    },
    InProgress,
    OtherRequest,
}

/// A key a request holds. `claimed_at` fences it: once a later request has taken the key over
/// (this one was taken to have died), this one can no longer complete or release it.
#[derive(Clone, Debug)]
pub struct Claimed {
    partner: PartnerId,
    key: String,
    claimed_at: i64,
}

/// The answer kept for a claimed key.
pub struct Record<'a> {
    pub claimed: &'a Claimed,
    pub status: u16,
    pub body: &'a str,
}

/// Completing a key that another request has taken over since.
#[derive(Debug, thiserror::Error)]
#[error("the Idempotency-Key was taken over by a later request")]
pub struct TakenOver;

/// Decides what a request carrying `key` does. Each decision is one conditional statement, so
/// two identical requests at the same moment cannot both proceed.
pub async fn claim(
    db: &Db,
    partner: &PartnerId,
    key: &str,
    fingerprint: &str,
) -> anyhow::Result<Claim> {
    let now = Timestamp::now().millis();
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (partner_id, key, request_hash, created_at, locked_until) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (partner_id, key) DO NOTHING",
    )
    .bind(partner.as_str())
    .bind(key)
    .bind(fingerprint)
    .bind(now)
    .bind(now + IN_PROGRESS_MS)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1;
    let claimed = |claimed_at| {
        Claim::Proceed(Claimed {
            partner: partner.clone(),
            key: key.to_owned(),
            claimed_at,
        })
    };
    if inserted {
        return Ok(claimed(now));
    }
    let Some(row) = sqlx::query(
        "SELECT request_hash, status_code, response_body, created_at, locked_until FROM idempotency_keys \
         WHERE partner_id = $1 AND key = $2",
    )
    .bind(partner.as_str())
    .bind(key)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(Claim::InProgress);
    };
    let created_at: i64 = row.try_get("created_at")?;
    let locked_until = super::opt_i64(&row, "locked_until");
    let expired = created_at + KEEP_MS < now;
    if !expired {
        let hash: String = row.try_get("request_hash")?;
        if hash != fingerprint {
            return Ok(Claim::OtherRequest);
        }
        if let (Some(status), Some(body)) = (
            super::opt_i64(&row, "status_code"),
            row.try_get::<Option<String>, _>("response_body")?,
        ) {
            return Ok(Claim::Replay {
                status: status as u16,
                body: db.secrets().open(&body)?,
            });
        }
        if locked_until.is_some_and(|until| until > now) {
            return Ok(Claim::InProgress);
        }
    }
    // Expired, or abandoned by a process that died: take it over unless another request just did.
    let taken = sqlx::query(
        "UPDATE idempotency_keys SET request_hash = $3, created_at = $4, locked_until = $5, status_code = NULL, response_body = NULL \
         WHERE partner_id = $1 AND key = $2 AND created_at = $6 AND COALESCE(locked_until, 0) = $7",
    )
    .bind(partner.as_str())
    .bind(key)
    .bind(fingerprint)
    .bind(now)
    .bind(now + IN_PROGRESS_MS)
    .bind(created_at)
    .bind(locked_until.unwrap_or(0))
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1;
    Ok(if taken {
        claimed(now)
    } else {
        Claim::InProgress
    })
}

/// Keeps the answer inside `tx`, the transaction that does the request's work, so the work and
/// its record commit together or not at all. A key taken over since is refused with [`TakenOver`].
pub async fn complete_in(tx: &mut Tx, record: &Record<'_>) -> anyhow::Result<()> {
    let sealed = tx.db.secrets().seal(record.body);
    let claimed = record.claimed;
    let kept = sqlx::query(
        "UPDATE idempotency_keys SET status_code = $4, response_body = $5, locked_until = NULL \
         WHERE partner_id = $1 AND key = $2 AND created_at = $3 AND status_code IS NULL",
    )
    .bind(claimed.partner.as_str())
    .bind(&claimed.key)
    .bind(claimed.claimed_at)
    .bind(i64::from(record.status))
    .bind(sealed)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if !kept {
        return Err(TakenOver.into());
    }
    Ok(())
}

pub async fn complete(db: &Db, record: &Record<'_>) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    complete_in(&mut tx, record).await?;
    tx.commit().await
}

/// Forgets the key after a failure worth retrying (a 5xx), so the retry runs for real.
pub async fn release(db: &Db, claimed: &Claimed) -> anyhow::Result<()> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE partner_id = $1 AND key = $2 AND created_at = $3 AND status_code IS NULL",
    )
    .bind(claimed.partner.as_str())
    .bind(&claimed.key)
    .bind(claimed.claimed_at)
    .execute(db.pool())
    .await?;
    Ok(())
}
