//! The delivery side of the outbox: due events are claimed with a lease, each attempt is recorded.
//!
//! Claiming adds one to `attempts`, and an attempt's result is applied only while `attempts` is
//! still the number it claimed: if a lease ran out and another worker took the event over, the
//! late result is logged but decides nothing.

use super::{EventId, EventKind, EventStatus};
use crate::domain::webhook::WebhookHeaders;
use crate::domain::{InstanceId, PartnerId, Timestamp};
use crate::store::{Backend, Db, Signal};
use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::Row;

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
}

/// What follows an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    RetryAt(Timestamp),
    Failed,
}

/// One attempt as it is logged.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub event_id: EventId,
    pub attempt: u32,
    pub attempted_at: Timestamp,
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

/// Takes up to `limit` due events for this worker until `lease_until`. On PostgreSQL rows another
/// replica is claiming are skipped, not waited for; SQLite has one writer at a time anyway.
pub async fn claim_due(
    db: &Db,
    limit: usize,
    lease_until: Timestamp,
) -> anyhow::Result<Vec<ClaimedEvent>> {
    let sql = match db.backend() {
        Backend::Postgres => format!("{CLAIM} FOR UPDATE SKIP LOCKED) {RETURNING}"),
        Backend::Sqlite => format!("{CLAIM}) {RETURNING}"),
    };
    let rows = sqlx::query(&sql)
        .bind(lease_until.millis())
        .bind(Timestamp::now().millis())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(db.pool())
        .await?;
    // A row that cannot be read is left leased rather than failing the whole batch; it shows up
    // in the log each time its lease runs out.
    Ok(rows
        .iter()
        .filter_map(|row| {
            claimed_from_row(db, row)
                .inspect_err(|e| {
                    tracing::error!(error = format!("{e:#}"), "a queued event cannot be read")
                })
                .ok()
        })
        .collect())
}

fn claimed_from_row(db: &Db, row: &AnyRow) -> anyhow::Result<ClaimedEvent> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let partner: String = row.try_get("partner_id")?;
    let instance: String = row.try_get("instance_id")?;
    let headers: String = row.try_get("headers")?;
    let sealed: String = row.try_get("payload_sealed")?;
    Ok(ClaimedEvent {
        id: EventId::parse(&id).with_context(|| format!("stored event id {id:?}"))?,
        partner_id: PartnerId::parse(&partner).map_err(anyhow::Error::msg)?,
        instance_id: InstanceId::parse(&instance).context("stored instance id")?,
        kind: EventKind::parse(&kind).with_context(|| format!("stored event kind {kind:?}"))?,
        target: row.try_get("target")?,
        headers: WebhookHeaders::from_json(&headers),
        payload: db
            .secrets()
            .open(&sealed)
            .with_context(|| format!("opening the payload of {id}"))?,
        attempt: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
    })
}

/// Logs the attempts and applies their outcome, all in one transaction.
pub async fn record_attempts(db: &Db, records: &[AttemptRecord]) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    for record in records {
        let (status, next_attempt_at, finished_at) = match record.next {
            NextStep::Delivered => (
                EventStatus::Delivered,
                None,
                Some(record.attempted_at.millis()),
            ),
            NextStep::Failed => (
                EventStatus::Failed,
                None,
                Some(record.attempted_at.millis()),
            ),
            NextStep::RetryAt(at) => (EventStatus::Pending, Some(at.millis()), None),
        };
        sqlx::query(
            "INSERT INTO event_attempts (event_id, attempted_at, duration_ms, http_status, error, response_body, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(record.event_id.as_str())
        .bind(record.attempted_at.millis())
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
#[derive(Debug, PartialEq, Eq)]
pub enum Redelivery {
    Queued,
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
    tx.signal(Signal::Events);
    tx.commit().await?;
    Ok(Redelivery::Queued)
}
