//! `messages/`: the conversation's messages, and sending one through 360Dialog.

use super::error::ApiError;
use super::extract::{Agent, ApiJson};
use super::pagination::{Page, PageQuery};
use super::query::{seconds, tristate};
use super::views;
use crate::clock;
use crate::domain::outgoing::{Outgoing, CUSTOMER_SERVICE_WINDOW_SECS};
use crate::domain::WaId;
use crate::messaging::outbox::SendOutcome;
use crate::state::AppState;
use crate::store::{MessageFilter, NewOutgoing};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// How long a send request waits for 360Dialog before it answers `202` (the message is kept
/// and sent as soon as 360Dialog takes it).
const SEND_WAIT: Duration = Duration::from_secs(10);

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
    _agent: Agent,
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
    let filter = MessageFilter {
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
    let now = clock::now();
    if !outgoing.is_template() {
        let chat = state.store.chat(&outgoing.wa_id).await?;
        let last_inbound = chat.and_then(|c| c.last_inbound_at);
        if !last_inbound.is_some_and(|at| now - at < CUSTOMER_SERVICE_WINDOW_SECS) {
            return Err(ApiError::OutsideWindow);
        }
    }
    let id = state
        .store
        .enqueue_outgoing(&NewOutgoing {
            wa_id: &outgoing.wa_id,
            kind: &outgoing.kind,
            payload: &outgoing.body,
            search_text: &outgoing.search_text(),
            sender: Some(user.id),
            timestamp: now,
        })
        .await?;
    let outbox = &state.messaging.outbox;
    let outcome = outbox.outcome_of(id);
    outbox.wake();
    let pending = || SendOutcome::Deferred("360Dialog has not answered yet; the message is queued.".into());
    // The sender may have taken the message before the outcome was asked for: the store knows.
    let message = state.store.message(id).await?.ok_or(ApiError::NotFound)?;
    let outcome = if message.wamid.is_some() || message.failed_at.is_some() {
        pending()
    } else {
        match tokio::time::timeout(SEND_WAIT, outcome).await {
            Ok(Ok(outcome)) => outcome,
            _ => pending(),
        }
    };
    outbox.forget(id);
    answer(&state, id, outcome).await
}

async fn answer(state: &AppState, id: i64, outcome: SendOutcome) -> Result<Response, ApiError> {
    let message = state.store.message(id).await?.ok_or(ApiError::NotFound)?;
    let outcome = match (&outcome, &message.wamid, &message.errors) {
        (SendOutcome::Deferred(_), Some(_), _) => SendOutcome::Sent,
        (SendOutcome::Deferred(_), None, Some(errors)) if message.failed_at.is_some() => {
            SendOutcome::Refused(failure_reason(errors))
        }
        _ => outcome,
    };
    match outcome {
        SendOutcome::Sent => Ok((
            StatusCode::CREATED,
            Json(views::message(&message, &state.identity)),
        )
            .into_response()),
        SendOutcome::Deferred(reason) => {
            Ok((StatusCode::ACCEPTED, Json(json!({"id": id, "reason": reason}))).into_response())
        }
        SendOutcome::Refused(reason) => Err(ApiError::NotSent {
            status: StatusCode::BAD_REQUEST,
            id,
            reason,
        }),
        SendOutcome::KeyRejected => Err(ApiError::NotSent {
            status: StatusCode::BAD_GATEWAY,
            id,
            reason: "360Dialog refused this instance's API key; the partner must renew it."
                .into(),
        }),
    }
}

fn failure_reason(errors: &Value) -> String {
    errors
        .pointer("/0/details")
        .and_then(Value::as_str)
        .unwrap_or("The message was not sent.")
        .to_owned()
}
