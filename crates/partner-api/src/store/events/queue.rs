//! The delivery side of the outbox: due events are claimed with a lease, each attempt is logged
//! before anything is sent and completed with its outcome.
//!
//! Claiming adds one to `attempts` and logs the attempt in the same transaction, so an attempt a
//! crash interrupts stays in the log without an outcome. An attempt's result is applied only while
//! `attempts` is still the number it claimed: if a lease ran out and another worker took the event
//! over, the late result completes its own log row but decides nothing.

use super::{EventId, EventKind, EventStatus};
use crate::domain::webhook::WebhookHeaders;
use crate::domain::{InstanceId, PartnerId, Timestamp};
use crate::store::{Backend, Db, Signal};
use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

/// An event this worker holds the lease of, with its payload opened.
#[derive(Clone, Debug)]
pub struct ClaimedEvent {
    pub id: EventId,
    pub partner_id: PartnerId,
    pub instance_id: InstanceId,
    pub kind: EventKind,
    pub target: String,
    pub headers: WebhookHeaders,
    pub payload: String,
    /// 1 for the first attempt; also the fencing number of this claim.
    pub attempt: u32,
    /// The attempt's row in the log, written when it was claimed.
    pub attempt_id: i64,
    pub attempted_at: Timestamp,
}

/// What follows an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    RetryAt(Timestamp),
    Failed,
}

/// The outcome of one attempt, completing its row in the log.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub event_id: EventId,
    pub attempt: u32,
    pub attempt_id: i64,
    pub finished_at: Timestamp,
    pub duration_ms: i64,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub response_body: Option<String>,
    pub next: NextStep,
}

const CLAIM: &str = "UPDATE events SET locked_until = $1, attempts = attempts + 1 \
    WHERE id IN (SELECT id FROM events \
        WHERE status = 'pending' AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until <= $2) \
        ORDER BY next_attempt_at LIMIT $3";
const RETURNING: &str =
    "RETURNING id, partner_id, instance_id, kind, target, headers, payload_sealed, attempts";

/// Takes up to `limit` due events for this worker until `lease_until` and logs an attempt of each,
/// without an outcome yet. On PostgreSQL rows another replica is claiming are skipped, not waited
/// for; SQLite has one writer at a time anyway.
pub async fn claim_due(
    db: &Db,
    limit: usize,
    lease_until: Timestamp,
) -> anyhow::Result<Vec<ClaimedEvent>> {
    let sql = match db.backend() {
        Backend::Postgres => format!("{CLAIM} FOR UPDATE SKIP LOCKED) {RETURNING}"),
        Backend::Sqlite => format!("{CLAIM}) {RETURNING}"),
    };
    let now = Timestamp::now();
    let mut tx = db.begin().await?;
    let rows = sqlx::query(&sql)
        .bind(lease_until.millis())
        .bind(now.millis())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(tx.conn())
        .await?;
    let mut attempt_ids = log_attempts(&mut tx, &rows, now).await?;
    tx.commit().await?;
    // A row that cannot be read is left leased rather than failing the whole batch; it shows up
    // in the log as an attempt of unknown outcome each time its lease runs out.
    Ok(rows
        .iter()
        .filter_map(|row| {
            claimed_from_row(db, row, &mut attempt_ids, now)
                .inspect_err(|e| {
                    tracing::error!(error = format!("{e:#}"), "a queued event cannot be read")
                })
                .ok()
        })
        .collect())
}

/// Logs one attempt of each claimed row, in one statement; returns each event's attempt id.
async fn log_attempts(
    tx: &mut crate::store::Tx,
    claimed: &[AnyRow],
    now: Timestamp,
) -> anyhow::Result<HashMap<String, i64>> {
    if claimed.is_empty() {
        return Ok(HashMap::new());
    }
    let values: Vec<String> = (0..claimed.len())
        .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
        .collect();
    let sql = format!(
        "INSERT INTO event_attempts (event_id, attempt, attempted_at) VALUES {} RETURNING id, event_id",
        values.join(", ")
    );
    let mut insert = sqlx::query(&sql);
    for row in claimed {
        insert = insert
            .bind(row.try_get::<String, _>("id")?)
            .bind(row.try_get::<i64, _>("attempts")?)
            .bind(now.millis());
    }
    let logged = insert.fetch_all(tx.conn()).await?;
    logged
        .iter()
        .map(|row| Ok((row.try_get("event_id")?, row.try_get("id")?)))
        .collect()
}

fn claimed_from_row(
    db: &Db,
    row: &AnyRow,
    attempt_ids: &mut HashMap<String, i64>,
    attempted_at: Timestamp,
) -> anyhow::Result<ClaimedEvent> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let partner: String = row.try_get("partner_id")?;
    let instance: String = row.try_get("instance_id")?;
    let headers: String = row.try_get("headers")?;
    let sealed: String = row.try_get("payload_sealed")?;
    Ok(ClaimedEvent {
        attempt_id: attempt_ids
            .remove(&id)
            .with_context(|| format!("the logged attempt of {id}"))?,
        attempted_at,
        id: EventId::parse(&id).with_context(|| format!("stored event id {id:?}"))?,
        partner_id: PartnerId::parse(&partner).map_err(anyhow::Error::msg)?,
        instance_id: InstanceId::parse(&instance).context("stored instance id")?,
        kind: EventKind::parse(&kind).with_context(|| format!("stored event kind {kind:?}"))?,
        target: row.try_get("target")?,
        headers: WebhookHeaders::from_json(&headers)
            .with_context(|| format!("stored headers of {id}"))?,
        payload: db
            .secrets()
            .open(&sealed)
            .with_context(|| format!("opening the payload of {id}"))?,
        attempt: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
    })
}

/// Keeps the lease of an attempt in flight until `until`; `false` once another worker has taken
/// the event over.
pub async fn keep_lease(db: &Db, event: &ClaimedEvent, until: Timestamp) -> anyhow::Result<bool> {
    let result = sqlx::query("UPDATE events SET locked_until = $3 WHERE id = $1 AND attempts = $2")
        .bind(event.id.as_str())
        .bind(i64::from(event.attempt))
        .bind(until.millis())
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Completes the attempts' rows in the log and applies their outcome, all in one transaction.
pub async fn record_attempts(db: &Db, records: &[AttemptRecord]) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    for record in records {
        let (status, next_attempt_at, finished_at) = match record.next {
            NextStep::Delivered => (
                EventStatus::Delivered,
                None,
                Some(record.finished_at.millis()),
            ),
            NextStep::Failed => (EventStatus::Failed, None, Some(record.finished_at.millis())),
            NextStep::RetryAt(at) => (EventStatus::Pending, Some(at.millis()), None),
        };
        sqlx::query(
            "UPDATE event_attempts SET duration_ms = $2, http_status = $3, error = $4, response_body = $5, next_attempt_at = $6 \
             WHERE id = $1 AND duration_ms IS NULL",
        )
        .bind(record.attempt_id)
        .bind(record.duration_ms)
        .bind(record.http_status.map(i64::from))
        .bind(record.error.clone())
        .bind(record.response_body.clone())
        .bind(next_attempt_at)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "UPDATE events SET status = $3, next_attempt_at = $4, finished_at = $5, locked_until = NULL \
             WHERE id = $1 AND attempts = $2",
        )
        .bind(record.event_id.as_str())
        .bind(i64::from(record.attempt))
        .bind(status.as_str())
        .bind(next_attempt_at)
        .bind(finished_at)
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await
}

/// When the next pending event falls due (or its lease runs out), to sleep until then.
pub async fn next_due_at(db: &Db) -> anyhow::Result<Option<Timestamp>> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(CASE WHEN locked_until IS NOT NULL AND locked_until > next_attempt_at \
                THEN locked_until ELSE next_attempt_at END) \
         FROM events WHERE status = 'pending'",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(at.map(Timestamp::from_millis))
}

/// How many events are in each status, for the metrics page and benchmarks.
pub async fn count_by_status(db: &Db) -> anyhow::Result<Vec<(EventStatus, i64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM events GROUP BY status")
        .fetch_all(db.pool())
        .await?;
    let mut counts = Vec::new();
    for row in rows {
        let status: String = row.try_get("status")?;
        if let Some(status) = EventStatus::parse(&status) {
            counts.push((status, row.try_get("n")?));
        }
    }
    Ok(counts)
}

/// Puts the partner's event back in the queue, due now, whatever its status; `false` if the
/// partner has no such event.
/// Attempts of one event within an hour after which a redelivery waits: a partner's retries of a
/// lost webhook are served, an e-mail address cannot be flooded.
pub const ATTEMPTS_PER_HOUR_BEFORE_REDELIVERY_WAITS: i64 = 5;
const HOUR_MS: i64 = 60 * 60 * 1000;

/// What a request for redelivery came to.
#[derive(Debug)]
pub enum Redelivery {
    /// The event as this redelivery left it: pending, whatever the worker does next.
    Queued(Box<super::log::EventLog>),
    NotFound,
    /// The event was attempted too often in the last hour; a redelivery is possible in this many
    /// seconds.
    TooSoon {
        retry_after_secs: u64,
    },
}

pub async fn redeliver(db: &Db, partner: &PartnerId, id: &EventId) -> anyhow::Result<Redelivery> {
    let now = Timestamp::now().millis();
    let mut tx = db.begin().await?;
    let recent: (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(a.id), MIN(a.attempted_at) FROM events e \
         LEFT JOIN event_attempts a ON a.event_id = e.id AND a.attempted_at > $3 \
         WHERE e.partner_id = $1 AND e.id = $2",
    )
    .bind(partner.as_str())
    .bind(id.as_str())
    .bind(now - HOUR_MS)
    .fetch_one(tx.conn())
    .await?;
    if let (count, Some(oldest)) = recent {
        if count >= ATTEMPTS_PER_HOUR_BEFORE_REDELIVERY_WAITS {
            let wait_ms = u64::try_from(oldest + HOUR_MS - now).unwrap_or(0).max(1000);
            return Ok(Redelivery::TooSoon {
                retry_after_secs: wait_ms.div_ceil(1000),
            });
        }
    }
    let result = sqlx::query(
        "UPDATE events SET status = 'pending', next_attempt_at = $3, finished_at = NULL \
         WHERE partner_id = $1 AND id = $2",
    )
    .bind(partner.as_str())
    .bind(id.as_str())
    .bind(now)
    .execute(tx.conn())
    .await?;
    if result.rows_affected() != 1 {
        return Ok(Redelivery::NotFound);
    }
    let Some(queued) = super::log::find_in(tx.conn(), partner, id).await? else {
        return Ok(Redelivery::NotFound);
    };
    tx.signal(Signal::Events);
    tx.commit().await?;
    Ok(Redelivery::Queued(Box::new(queued)))
}
