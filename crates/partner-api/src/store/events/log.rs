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
    pub outcome: AttemptOutcome,
    /// None until the attempt has ended.
    pub duration_ms: Option<i64>,
    pub http_status: Option<i64>,
    pub error: Option<String>,
    pub response_body: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
}

/// What became of an attempt, as far as the service knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A `2xx` answer, or the e-mail was accepted (or written to the outbox).
    Success,
    /// Any other answer, or none: `http_status` or `error` says which.
    Failure,
    /// Sent, no outcome yet: a worker holds the event's lease.
    InFlight,
    /// Started, but the worker stopped holding the lease before recording an outcome (a crash, a
    /// restart, a lost lease): the receiver may or may not have it.
    Unknown,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::InFlight => "in_flight",
            Self::Unknown => "unknown",
        }
    }

    fn of_ended(http_status: Option<i64>, error: Option<&str>) -> Self {
        let answered_ok = http_status.is_none_or(|s| (200..300).contains(&s));
        if error.is_none() && answered_ok {
            Self::Success
        } else {
            Self::Failure
        }
    }
}

const EVENT_COLUMNS: &str = "id, kind, status, target, created_at, next_attempt_at";
/// With the event's current claim, to tell the attempt in flight from one a crash interrupted.
const ATTEMPT_COLUMNS: &str =
    "a.event_id, a.attempt, a.attempted_at, a.duration_ms, a.http_status, \
    a.error, a.response_body, a.next_attempt_at, e.attempts AS claimed, e.locked_until";

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
    let mut conn = db.pool().acquire().await?;
    find_in(&mut conn, partner, id).await
}

/// [`find`] on a connection, e.g. inside the transaction that just changed the event.
pub async fn find_in(
    conn: &mut sqlx::AnyConnection,
    partner: &PartnerId,
    id: &EventId,
) -> anyhow::Result<Option<EventLog>> {
    let event = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE partner_id = $1 AND id = $2"
    ))
    .bind(partner.as_str())
    .bind(id.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(event) = event else { return Ok(None) };
    let attempts = sqlx::query(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM event_attempts a JOIN events e ON e.id = a.event_id \
         WHERE a.event_id = $1 ORDER BY a.id"
    ))
    .bind(id.as_str())
    .fetch_all(&mut *conn)
    .await?;
    Ok(assemble(&[event], &attempts)?.pop())
}

fn assemble(events: &[AnyRow], attempts: &[AnyRow]) -> anyhow::Result<Vec<EventLog>> {
    let now = Timestamp::now().millis();
    let mut by_event: HashMap<String, Vec<AttemptLog>> = HashMap::new();
    for row in attempts {
        let duration_ms = opt_i64(row, "duration_ms");
        let http_status = opt_i64(row, "http_status");
        let error: Option<String> = row.try_get("error")?;
        let outcome = if duration_ms.is_some() {
            AttemptOutcome::of_ended(http_status, error.as_deref())
        } else if opt_i64(row, "attempt") == opt_i64(row, "claimed")
            && opt_i64(row, "locked_until").is_some_and(|until| until > now)
        {
            AttemptOutcome::InFlight
        } else {
            AttemptOutcome::Unknown
        };
        by_event
            .entry(row.try_get("event_id")?)
            .or_default()
            .push(AttemptLog {
                attempted_at: Timestamp::from_millis(row.try_get("attempted_at")?),
                outcome,
                duration_ms,
                http_status,
                error,
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

#[cfg(test)]
mod tests {
    use super::AttemptOutcome::{self, Failure, Success};

    #[test]
    fn an_ended_attempt_succeeded_only_with_a_2xx_or_an_accepted_email() {
        let outcome = |status, error: Option<&str>| AttemptOutcome::of_ended(status, error);
        assert_eq!(outcome(Some(200), None), Success);
        assert_eq!(outcome(Some(204), None), Success);
        assert_eq!(outcome(None, None), Success, "an e-mail has no HTTP status");
        for status in [301, 410, 429, 500] {
            assert_eq!(outcome(Some(status), None), Failure, "{status}");
        }
        assert_eq!(
            outcome(None, Some("timeout: no answer within 15 s")),
            Failure
        );
    }
}
