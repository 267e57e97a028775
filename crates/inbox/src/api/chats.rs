//! Conversations: `chats/`, `chats/{wa_id}/`, `persons/`, `contacts/` and `mark_as_received/`.

use super::error::ApiError;
use super::extract::{Agent, ApiJson};
use super::pagination::{Page, PageQuery};
use super::query::{seconds, truthy, wa_id_in_path};
use super::views;
use crate::domain::{TagId, User, WaId};
use crate::state::AppState;
use crate::store::{ChatFilter, ChatRecord, GroupId};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Default, Deserialize)]
pub struct ChatsQuery {
    limit: Option<u32>,
    offset: Option<u32>,
    search: Option<String>,
    unread: Option<String>,
    assigned_to_me: Option<String>,
    assigned_group: Option<String>,
    chat_tag_id: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Agent(user): Agent,
    Query(query): Query<ChatsQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    let page = PageQuery::new(query.limit, query.offset);
    let url = format!("{}/api/v1/chats/", state.identity.public_origin);
    let assigned_group = match query.assigned_group.as_deref().map(str::trim) {
        None | Some("") => None,
        // A group id that is not a number matches no chat.
        Some(raw) => match raw.parse() {
            Ok(id) => Some(GroupId(id)),
            Err(_) => return Ok(Json(Page::new(&url, &page, 0, vec![]))),
        },
    };
    let tag = match query.chat_tag_id.as_deref().map(str::trim) {
        None | Some("") => None,
        // A tag id that is not a number matches no chat.
        Some(raw) => match raw.parse() {
            Ok(id) => Some(TagId(id)),
            Err(_) => return Ok(Json(Page::new(&url, &page, 0, vec![]))),
        },
    };
    let filter = ChatFilter {
        search: query.search.clone(),
        unread: truthy(query.unread.as_deref()),
        assigned_user: truthy(query.assigned_to_me.as_deref()).then_some(user.id),
        assigned_group,
        tag,
        viewer: Some(user),
        ..ChatFilter::default()
    };
    listed(&state, &page, &filter, "chats", |c| {
        views::chat(c, &state.identity)
    })
    .await
}

/// One page of chats, shown by `view`.
async fn listed(
    state: &AppState,
    page: &PageQuery,
    filter: &ChatFilter,
    list: &str,
    view: impl Fn(&ChatRecord) -> Value,
) -> Result<Json<Page<Value>>, ApiError> {
    let (count, chats) = state
        .store
        .chats_page(filter, page.limit(), page.offset())
        .await?;
    let url = format!("{}/api/v1/{list}/", state.identity.public_origin);
    let results = chats.iter().map(view).collect();
    Ok(Json(Page::new(&url, page, count, results)))
}

/// The chat a path names, if this user may see it; an unknown or malformed number, or a chat
/// the user may not see, is not found.
pub(super) async fn chat_in_path(
    state: &AppState,
    user: &User,
    wa_id: &str,
) -> Result<ChatRecord, ApiError> {
    let wa_id = wa_id_in_path(wa_id)?;
    if !state.store.chat_visible_to(user, &wa_id).await? {
        return Err(ApiError::NotFound);
    }
    let chat = state.store.chat(&wa_id).await?;
    chat.ok_or(ApiError::NotFound)
}

pub async fn retrieve(
    State(state): State<AppState>,
    Agent(user): Agent,
    Path(wa_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let chat = chat_in_path(&state, &user, &wa_id).await?;
    Ok(Json(views::chat(&chat, &state.identity)))
}

pub async fn persons(
    State(state): State<AppState>,
    Agent(user): Agent,
    Query(query): Query<ChatsQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    let page = PageQuery::new(query.limit, query.offset);
    let filter = ChatFilter {
        search: query.search,
        viewer: Some(user),
        ..ChatFilter::default()
    };
    listed(&state, &page, &filter, "persons", person_of).await
}

pub async fn person(
    State(state): State<AppState>,
    Agent(user): Agent,
    Path(wa_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(person_of(&chat_in_path(&state, &user, &wa_id).await?)))
}

fn person_of(chat: &ChatRecord) -> Value {
    views::person(&chat.wa_id, &chat.name, chat.last_message_at)
}

/// No contact provider is connected: an empty page, as get.chat answers without one.
pub async fn contacts(
    State(state): State<AppState>,
    _agent: Agent,
    Query(query): Query<ChatsQuery>,
) -> Json<Page<Value>> {
    let url = format!("{}/api/v1/contacts/", state.identity.public_origin);
    Json(Page::new(
        &url,
        &PageQuery::new(query.limit, query.offset),
        0,
        vec![],
    ))
}

pub async fn contact(
    State(state): State<AppState>,
    Agent(user): Agent,
    Path(wa_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let chat = match chat_in_path(&state, &user, &wa_id).await {
        Ok(chat) => Some(chat),
        Err(ApiError::NotFound) => None,
        Err(e) => return Err(e),
    };
    let person = chat.as_ref().map(person_of);
    Ok(Json(
        json!({"person": person, "contact_provider_results": []}),
    ))
}

#[derive(Debug, Deserialize)]
pub struct MarkAsReceived {
    customer_wa_id: Option<Value>,
    timestamp: Option<Value>,
}

/// `POST /api/v1/mark_as_received/`: the customer's messages up to `timestamp` (default: all)
/// are no longer new.
pub async fn mark_as_received(
    State(state): State<AppState>,
    Agent(user): Agent,
    ApiJson(body): ApiJson<MarkAsReceived>,
) -> Result<Json<Value>, ApiError> {
    let wa_id = match &body.customer_wa_id {
        Some(Value::String(s)) => WaId::parse(s),
        Some(Value::Number(n)) => WaId::parse(&n.to_string()),
        _ => None,
    };
    let Some(wa_id) = wa_id else {
        let mut errors = crate::domain::FieldErrors::default();
        errors.add("customer_wa_id", "A WhatsApp number is required.");
        return Err(ApiError::Invalid(errors));
    };
    let until = match &body.timestamp {
        Some(Value::Number(n)) => n.as_f64().map(|v| v.floor() as i64),
        Some(Value::String(s)) => seconds(Some(s)),
        _ => None,
    }
    .unwrap_or(i64::MAX);
    if !state.store.chat_visible_to(&user, &wa_id).await?
        || !state.store.mark_as_received(&wa_id, until).await?
    {
        return Err(ApiError::NotFound);
    }
    let chat = state.store.chat(&wa_id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(
        json!({"customer_wa_id": wa_id.as_str(), "new_messages": chat.new_messages}),
    ))
}
