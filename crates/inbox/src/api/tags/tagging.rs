//! Tags on chats (`chat_tagging/`) and their history (`chat_tagging_events/`): anyone of the
//! team, on the chats they may see. A chat they may not see is not found, as one that does not
//! exist.

use crate::api::error::ApiError;
use crate::api::extract::{Agent, ApiJson};
use crate::api::pagination::{Page, PageQuery};
use crate::api::query::{seconds, wa_id_in_path};
use crate::api::views;
use crate::domain::{FieldErrors, TagId, User, WaId};
use crate::messaging::chat_actions;
use crate::state::AppState;
use crate::store::{TagOutcome, Tagging, TaggingError, TaggingEventFilter};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/chat_tagging/", post(create))
        .route("/api/v1/chat_tagging/{id}/", delete(destroy))
        .route("/api/v1/chat_tagging_events/", get(events))
}

#[derive(Deserialize)]
struct TaggingBody {
    tag: Option<Value>,
    chat: Option<Value>,
}

/// Tags a chat: `201` with the new tagging, or `200` with the one already there (tagging twice
/// changes nothing and is not in the history twice).
async fn create(
    State(state): State<AppState>,
    Agent(user): Agent,
    ApiJson(body): ApiJson<TaggingBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (tag, wa_id) = tagging_fields(&body)?;
    let wa_id = visible_chat(&state, &user, &wa_id).await?;
    let outcome = chat_actions::tag(&state, &user, &wa_id, tag).await;
    match outcome {
        Ok(TagOutcome::Added(tagging, _)) => {
            Ok((StatusCode::CREATED, Json(tagging_view(&tagging))))
        }
        Ok(TagOutcome::AlreadyTagged(tagging)) => {
            Ok((StatusCode::OK, Json(tagging_view(&tagging))))
        }
        Err(TaggingError::NoSuchChat) => Err(ApiError::NotFound),
        Err(TaggingError::NoSuchTag) => Err(field_error(
            "tag",
            format!("Invalid pk \"{}\" - object does not exist.", tag.0),
        )),
        Err(TaggingError::Internal(e)) => Err(ApiError::Internal(e)),
    }
}

async fn destroy(
    State(state): State<AppState>,
    Agent(user): Agent,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let tagging = state.store.tagging(id).await?.ok_or(ApiError::NotFound)?;
    visible_chat(&state, &user, &tagging.wa_id).await?;
    let removed = chat_actions::untag(&state, &user, id).await?;
    removed.ok_or(ApiError::NotFound)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct EventsQuery {
    wa_id: Option<String>,
    since_time: Option<String>,
    before_time: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// A chat's tagging history, newest first.
async fn events(
    State(state): State<AppState>,
    Agent(user): Agent,
    Query(query): Query<EventsQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    let Some(wa_id) = query.wa_id.as_deref().filter(|w| !w.trim().is_empty()) else {
        return Err(field_error("wa_id", "This field is required.".into()));
    };
    let wa_id = visible_chat(&state, &user, wa_id).await?;
    let page = PageQuery::new(query.limit, query.offset);
    let filter = TaggingEventFilter {
        since: seconds(query.since_time.as_deref()),
        before: seconds(query.before_time.as_deref()),
    };
    let (count, events) = state
        .store
        .tagging_events(&wa_id, &filter, page.limit(), page.offset())
        .await?;
    let url = format!(
        "{}/api/v1/chat_tagging_events/",
        state.identity.public_origin
    );
    let results = events.iter().map(views::tagging_event).collect();
    Ok(Json(Page::new(&url, &page, count, results)))
}

/// get.chat's answer to a tagging: its id, the tag's id and the chat's number.
fn tagging_view(tagging: &Tagging) -> Value {
    json!({"id": tagging.id, "tag": tagging.tag.id.0, "chat": tagging.wa_id})
}

/// The chat of this number, if it exists and the user may see it; otherwise not found.
async fn visible_chat(state: &AppState, user: &User, raw: &str) -> Result<WaId, ApiError> {
    let wa_id = wa_id_in_path(raw)?;
    if !state.store.chat_visible_to(user, &wa_id).await? {
        return Err(ApiError::NotFound);
    }
    if state.store.chat(&wa_id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(wa_id)
}

/// `tag` (a tag's id) and `chat` (a number), as numbers or strings.
fn tagging_fields(body: &TaggingBody) -> Result<(TagId, String), ApiError> {
    let mut errors = FieldErrors::default();
    let tag = match &body.tag {
        None | Some(Value::Null) => {
            errors.add("tag", "This field is required.");
            None
        }
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    if tag.is_none() && errors.is_empty() {
        errors.add("tag", "Incorrect type. Expected pk value.");
    }
    let chat = match &body.chat {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => {
            errors.add("chat", "This field is required.");
            None
        }
    };
    match (tag, chat) {
        (Some(tag), Some(chat)) => Ok((TagId(tag), chat)),
        _ => Err(ApiError::Invalid(errors)),
    }
}

fn field_error(field: &'static str, message: String) -> ApiError {
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    ApiError::Invalid(errors)
}
