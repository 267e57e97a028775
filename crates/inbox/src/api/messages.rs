//! `messages/`: the conversation's messages, and sending one through 360Dialog.

use super::error::ApiError;
use super::extract::{Agent, ApiJson};
use super::pagination::{Page, PageQuery};
use super::query::{seconds, tristate};
use super::views;
use crate::domain::outgoing::Outgoing;
use crate::domain::WaId;
use crate::messaging::outbox::SendOutcome;
use crate::messaging::send::{self, Sent};
use crate::state::AppState;
use crate::store::MessageFilter;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Default, Deserialize)]
pub struct MessagesQuery {
    limit: Option<u32>,
    offset: Option<u32>,
    wa_id: Option<String>,
    since_time: Option<String>,
    before_time: Option<String>,
    search: Option<String>,
    from_us: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Agent(user): Agent,
    Query(query): Query<MessagesQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    let page = PageQuery::new(query.limit, query.offset);
    let url = format!("{}/api/v1/messages/", state.identity.public_origin);
    let wa_id = match query.wa_id.as_deref().filter(|w| !w.trim().is_empty()) {
        Some(raw) => match WaId::parse(raw) {
            Some(wa_id) => Some(wa_id),
            None => return Ok(Json(Page::new(&url, &page, 0, vec![]))),
        },
        None => None,
    };
    if let Some(wa_id) = &wa_id {
        if !state.store.chat_visible_to(&user, wa_id).await? {
            return Err(ApiError::NotFound);
        }
    }
    let filter = MessageFilter {
        scope: state.store.chat_scope_of(&user).await?,
        wa_id,
        since: seconds(query.since_time.as_deref()),
        before: seconds(query.before_time.as_deref()),
        search: query.search,
        from_us: tristate(query.from_us.as_deref()),
    };
    let (count, messages) = state
        .store
        .messages_page(&filter, page.limit(), page.offset())
        .await?;
    let results = messages
        .iter()
        .map(|m| views::message(m, &state.identity))
        .collect();
    Ok(Json(Page::new(&url, &page, count, results)))
}

/// Any other path under `messages/`: closed to the configurator like the rest, else not found.
pub async fn elsewhere(_agent: Agent) -> ApiError {
    ApiError::NotFound
}

/// `POST /api/v1/messages/`: `201` with the message once 360Dialog took it, `202` when it is
/// kept to be sent later, `453` outside WhatsApp's customer-service window.
pub async fn send(
    State(state): State<AppState>,
    Agent(user): Agent,
    ApiJson(request): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let outgoing = Outgoing::parse(&request).map_err(ApiError::Invalid)?;
    if !state.store.chat_visible_to(&user, &outgoing.wa_id).await? {
        return Err(ApiError::NotFound);
    }
    let Sent { message, outcome } = send::send(&state, &user, &outgoing).await?;
    let id = message.id;
    match outcome {
        SendOutcome::Sent => Ok((
            StatusCode::CREATED,
            Json(views::message(&message, &state.identity)),
        )
            .into_response()),
        SendOutcome::Deferred(reason) => Ok((
            StatusCode::ACCEPTED,
            Json(json!({"id": id, "reason": reason})),
        )
            .into_response()),
        SendOutcome::Refused(reason) => Err(ApiError::NotSent {
            status: StatusCode::BAD_REQUEST,
            id,
            reason,
        }),
        SendOutcome::KeyRejected => Err(ApiError::NotSent {
            status: StatusCode::BAD_GATEWAY,
            id,
            reason: "360Dialog refused this instance's API key; the partner must renew it.".into(),
        }),
    }
}
