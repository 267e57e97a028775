//! The delivery log (*extension*): every event sent for an instance with each attempt, and
//! redelivery on demand.
//!
//! Payloads are not shown: a `token` event carries the configurator's credential and the e-mail
//! the activation link; the errors of an `errors` event are on the instance. A partner who lost a
//! payload asks for a redelivery instead.

use super::auth::Partner;
use super::error::{ApiError, Detail};
use super::AppState;
use crate::domain::{InstanceId, Timestamp};
use crate::store::events::{
    self, AttemptLog, EventId, EventLog, Redelivery, ATTEMPTS_PER_HOUR_BEFORE_REDELIVERY_WAITS,
};
use crate::store::instances;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub count: usize,
    pub results: Vec<EventView>,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    /// The `webhook-id` header of every attempt of this event.
    #[schema(example = "msg_6f1c0e9a7b3d24c58e0f1a2b")]
    pub id: String,
    /// `token`, `errors` or `activation_email`.
    #[serde(rename = "type")]
    #[schema(example = "token")]
    pub kind: &'static str,
    /// `pending` until an attempt succeeds (`delivered`) or none is left (`failed`).
    #[schema(example = "delivered")]
    pub status: &'static str,
    /// The webhook URL, or the e-mail address of an `activation_email`.
    #[schema(example = "https://example.com/webhook")]
    pub target: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When the next attempt is due, while the event is `pending`.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<Timestamp>,
    pub attempts: Vec<AttemptView>,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    #[schema(value_type = String, format = DateTime)]
    pub attempted_at: Timestamp,
    /// `success`, `failure`, `in_flight` (sent, no answer yet) or `unknown`: the service stopped
    /// (a crash, a restart) before it learnt the outcome, so the receiver may or may not have it.
    /// An `in_flight` or `unknown` attempt has no duration, status, error, body or next attempt.
    #[schema(example = "success")]
    pub outcome: &'static str,
    /// Null until the attempt has ended.
    pub duration_ms: Option<i64>,
    /// The receiver's HTTP status; null when there was no answer, and for e-mail.
    #[schema(example = 200)]
    pub http_status: Option<i64>,
    /// Why the attempt failed without an HTTP status: timeout, refused connection, DNS, refused address, SMTP.
    pub error: Option<String>,
    /// The first KiB of the answer (for e-mail, the SMTP server's reply).
    pub response_body: Option<String>,
    /// When the next attempt was scheduled after this one; null if none followed.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<Timestamp>,
}

impl From<EventLog> for EventView {
    fn from(event: EventLog) -> Self {
        Self {
            id: event.id.to_string(),
            kind: event.kind.as_str(),
            status: event.status.as_str(),
            target: event.target,
            created_at: event.created_at,
            next_attempt_at: event.next_attempt_at,
            attempts: event.attempts.into_iter().map(AttemptView::from).collect(),
        }
    }
}

impl From<AttemptLog> for AttemptView {
    fn from(a: AttemptLog) -> Self {
        Self {
            attempted_at: a.attempted_at,
            outcome: a.outcome.as_str(),
            duration_ms: a.duration_ms,
            http_status: a.http_status,
            error: a.error,
            response_body: a.response_body,
            next_attempt_at: a.next_attempt_at,
        }
    }
}

/// List Instance Events (*extension*): every asynchronous event of the instance, oldest first,
/// with each delivery attempt.
#[utoipa::path(get, path = "/v1/instances/{id}/events", tag = "events", security(("APIKey" = [])),
    params(("id" = String, Path, description = "Instance id")),
    responses(
        (status = 200, body = EventList),
        (status = 404, body = Detail, description = "Instance not found"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(id): Path<String>,
) -> Result<Json<EventList>, ApiError> {
    let id = InstanceId::parse(&id).ok_or(ApiError::InstanceNotFound)?;
    instances::find(&state.db, &partner, &id)
        .await?
        .ok_or(ApiError::InstanceNotFound)?;
    let results: Vec<EventView> = events::list_for_instance(&state.db, &partner, &id)
        .await?
        .into_iter()
        .map(EventView::from)
        .collect();
    Ok(Json(EventList {
        count: results.len(),
        results,
    }))
}

/// Redeliver Event (*extension*): queues a new attempt at once, also for a `delivered` or `failed`
/// event. If it fails, the retry schedule goes on from where the event was. An event attempted 5
/// times within the last hour waits (`429`), so no address can be flooded.
#[utoipa::path(post, path = "/v1/events/{event_id}/redeliver", tag = "events", security(("APIKey" = [])),
    params(("event_id" = String, Path, description = "Event id (`msg_…`)")),
    responses(
        (status = 202, body = EventView, description = "Queued; the answer shows the event as it now stands"),
        (status = 404, body = Detail, description = "Event not found"),
        (status = 429, body = Detail, headers(("Retry-After" = u64, description = "seconds")), description = "Attempted 5 times in the last hour; `Retry-After` says when it can be redelivered"),
    ))]
pub async fn redeliver(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(event_id): Path<String>,
) -> Result<(StatusCode, Json<EventView>), ApiError> {
    let not_found = || ApiError::NotFound("Event not found");
    let id = EventId::parse(&event_id).ok_or_else(not_found)?;
    let event = match events::redeliver(&state.db, &partner, &id).await? {
        Redelivery::Queued(event) => *event,
        Redelivery::NotFound => return Err(not_found()),
        Redelivery::TooSoon { retry_after_secs } => {
            return Err(ApiError::TooSoon {
                detail: format!(
                    "This event was attempted {ATTEMPTS_PER_HOUR_BEFORE_REDELIVERY_WAITS} times in \
                     the last hour; redeliver it later"
                ),
                retry_after_secs,
            })
        }
    };
    Ok((StatusCode::ACCEPTED, Json(event.into())))
}
