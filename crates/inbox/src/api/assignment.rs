//! Who handles a chat (`chat_assignment/{wa_id}/`) and the history of it
//! (`chat_assignment_events/`), as get.chat's web app uses them: ids in, ids out.
//!
//! Whoever may see a chat may assign it, but as in get.chat an agent may not take over a chat
//! assigned to another user (`403`); admins may. A chat the caller may not see is not found.

use super::error::ApiError;
use super::extract::{Agent, ApiJson};
use super::pagination::{Page, PageQuery};
use super::query::{seconds, wa_id_in_path};
use super::views;
use crate::domain::{FieldErrors, User, UserId, WaId};
use crate::state::AppState;
use crate::store::{AssignError, Assignment, AssignmentChange, AssignmentEventFilter, GroupId};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/chat_assignment/{wa_id}/",
            get(retrieve).put(update).patch(update),
        )
        .route("/api/v1/chat_assignment_events/", get(events))
}

async fn retrieve(
    State(state): State<AppState>,
    Agent(user): Agent,
    Path(wa_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (wa_id, assignment) = visible_chat(&state, &user, &wa_id).await?;
    Ok(Json(views::assignment(wa_id.as_str(), &assignment)))
}

/// `PUT` and `PATCH` alike, as get.chat's serializer takes them: a field left out stays as it
/// is, `null` clears it. A change that changes nothing is not in the history.
async fn update(
    State(state): State<AppState>,
    Agent(user): Agent,
    Path(wa_id): Path<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let (wa_id, _) = visible_chat(&state, &user, &wa_id).await?;
    let change = change(&body)?;
    let assigned = state
        .store
        .assign_chat(&wa_id, change, &user)
        .await
        .map_err(assign_error)?;
    if let Some(event) = &assigned.event {
        state.push.getchat_webhook(views::chat_assignment(event));
        tracing::info!(
            wa_id = wa_id.as_str(),
            by = user.username.as_str(),
            "chat assignment changed"
        );
    }
    Ok(Json(views::assignment(
        wa_id.as_str(),
        &assigned.assignment,
    )))
}

#[derive(Deserialize)]
struct EventsQuery {
    wa_id: Option<String>,
    since_time: Option<String>,
    before_time: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// A chat's assignment history, newest first.
async fn events(
    State(state): State<AppState>,
    Agent(user): Agent,
    Query(query): Query<EventsQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    let Some(wa_id) = query.wa_id.as_deref().filter(|w| !w.trim().is_empty()) else {
        return Err(field_error("wa_id", "This field is required.".into()));
    };
    let (wa_id, _) = visible_chat(&state, &user, wa_id).await?;
    let page = PageQuery::new(query.limit, query.offset);
    let filter = AssignmentEventFilter {
        since: seconds(query.since_time.as_deref()),
        before: seconds(query.before_time.as_deref()),
    };
    let (count, events) = state
        .store
        .assignment_events(&wa_id, &filter, page.limit(), page.offset())
        .await?;
    let url = format!(
        "{}/api/v1/chat_assignment_events/",
        state.identity.public_origin
    );
    let results = events.iter().map(views::assignment_event).collect();
    Ok(Json(Page::new(&url, &page, count, results)))
}

/// The chat of this number and its assignment, if it exists and the user may see it; otherwise
/// not found.
async fn visible_chat(
    state: &AppState,
    user: &User,
    raw: &str,
) -> Result<(WaId, Assignment), ApiError> {
    let wa_id = wa_id_in_path(raw)?;
    if !state.store.chat_visible_to(user, &wa_id).await? {
        return Err(ApiError::NotFound);
    }
    let assignment = state.store.assignment(&wa_id).await?;
    Ok((wa_id, assignment.ok_or(ApiError::NotFound)?))
}

/// The fields a request sends: `assigned_to_user` (a user's id) and `assigned_group` (a group's
/// id), each as a number or a string of one, or `null`.
fn change(body: &Map<String, Value>) -> Result<AssignmentChange, ApiError> {
    let mut errors = FieldErrors::default();
    let user = body
        .get("assigned_to_user")
        .and_then(|v| errors.check("assigned_to_user", pk(v)));
    let group = body
        .get("assigned_group")
        .and_then(|v| errors.check("assigned_group", pk(v)));
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    Ok(AssignmentChange {
        user: user.map(|id| id.map(UserId)),
        group: group.map(|id| id.map(GroupId)),
    })
}

/// A primary key as Django REST framework reads one: `null` (or an empty string) is none.
fn pk(value: &Value) -> Result<Option<i64>, String> {
    let parsed = match value {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed
        .map(Some)
        .ok_or_else(|| format!("Incorrect type. Expected pk value, received {value}."))
}

fn assign_error(e: AssignError) -> ApiError {
    match e {
        AssignError::NoSuchChat => ApiError::NotFound,
        AssignError::NoSuchUser(id) => field_error(
            "assigned_to_user",
            format!("Invalid pk \"{}\" - object does not exist.", id.0),
        ),
        AssignError::NoSuchGroup(id) => field_error(
            "assigned_group",
            format!("Invalid pk \"{}\" - object does not exist.", id.0),
        ),
        AssignError::NotAPerson | AssignError::NotInGroup => {
            field_error("assigned_to_user", e.to_string())
        }
        AssignError::HeldByAnother => ApiError::Forbidden(HELD_BY_ANOTHER),
        AssignError::Internal(e) => ApiError::Internal(e),
    }
}

/// get.chat's web app shows this answer to an agent as it is.
const HELD_BY_ANOTHER: &str = "This chat is already assigned to another user.";

fn field_error(field: &'static str, message: String) -> ApiError {
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    ApiError::Invalid(errors)
}
