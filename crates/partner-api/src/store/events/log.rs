//! The delivery log partners read: their events and every attempt. Scoped by partner: another
//! partner's event is simply not found.

use super::{EventId, EventKind, EventStatus};
use crate::domain::{InstanceId, PartnerId, Timestamp};
use crate::store::{opt_i64, Db};
use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct EventLog {
    pub id: EventId,
    pub kind: EventKind,
    pub status: EventStatus,
    pub target: String,
    pub created_at: Timestamp,
    pub next_attempt_at: Option<Timestamp>,
    pub attempts: Vec<AttemptLog>,
}

#[derive(Clone, Debug)]
pub struct AttemptLog {
    pub attempted_at: Timestamp,
    pub duration_ms: i64,
    pub http_status: Option<i64>,
    pub error: Option<String>,
    pub response_body: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
}

const EVENT_COLUMNS: &str = "id, kind, status, target, created_at, next_attempt_at";
const ATTEMPT_COLUMNS: &str =
    "a.event_id, a.attempted_at, a.duration_ms, a.http_status, a.error, a.response_body, a.next_attempt_at";

/// The instance's events, oldest first, each with its attempts, oldest first.
pub async fn list_for_instance(
    db: &Db,
    partner: &PartnerId,
    instance: &InstanceId,
) -> anyhow::Result<Vec<EventLog>> {
    let events = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE partner_id = $1 AND instance_id = $2 ORDER BY created_at, id"
    ))
    .bind(partner.as_str())
    .bind(instance.as_str())
    .fetch_all(db.pool())
    .await?;
    let attempts = sqlx::query(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM event_attempts a JOIN events e ON e.id = a.event_id \
         WHERE e.partner_id = $1 AND e.instance_id = $2 ORDER BY a.id"
    ))
    .bind(partner.as_str())
    .bind(instance.as_str())
    .fetch_all(db.pool())
    .await?;
    assemble(&events, &attempts)
}

/// One of the partner's events with its attempts.
pub async fn find(db: &Db, partner: &PartnerId, id: &EventId) -> anyhow::Result<Option<EventLog>> {
    let event = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE partner_id = $1 AND id = $2"
    ))
    .bind(partner.as_str())
    .bind(id.as_str())
    .fetch_optional(db.pool())
    .await?;
    let Some(event) = event else { return Ok(None) };
    let attempts = sqlx::query(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM event_attempts a WHERE a.event_id = $1 ORDER BY a.id"
    ))
    .bind(id.as_str())
    .fetch_all(db.pool())
    .await?;
    Ok(assemble(&[event], &attempts)?.pop())
}

fn assemble(events: &[AnyRow], attempts: &[AnyRow]) -> anyhow::Result<Vec<EventLog>> {
    let mut by_event: HashMap<String, Vec<AttemptLog>> = HashMap::new();
    for row in attempts {
        by_event
            .entry(row.try_get("event_id")?)
            .or_default()
            .push(AttemptLog {
                attempted_at: Timestamp::from_millis(row.try_get("attempted_at")?),
                duration_ms: row.try_get("duration_ms")?,
                http_status: opt_i64(row, "http_status"),
                error: row.try_get("error")?,
                response_body: row.try_get("response_body")?,
                next_attempt_at: opt_i64(row, "next_attempt_at").map(Timestamp::from_millis),
            });
    }
    events
        .iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let kind: String = row.try_get("kind")?;
            let status: String = row.try_get("status")?;
            Ok(EventLog {
                id: EventId::parse(&id).with_context(|| format!("stored event id {id:?}"))?,
                kind: EventKind::parse(&kind)
                    .with_context(|| format!("stored event kind {kind:?}"))?,
                status: EventStatus::parse(&status)
                    .with_context(|| format!("stored event status {status:?}"))?,
                target: row.try_get("target")?,
                created_at: Timestamp::from_millis(row.try_get("created_at")?),
                next_attempt_at: opt_i64(row, "next_attempt_at").map(Timestamp::from_millis),
                attempts: by_event.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}
