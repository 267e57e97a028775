//! What a person of the team does to a chat besides writing: a tag put on or taken off, the chat
//! resolved or opened again, assigned to someone. Each change is stored and then heard by every connected client (the
//! API's push sockets and the web inbox's pages). The API and the web inbox both change chats
//! here; who may see which chat is for the caller to check first.

use crate::api::views;
use crate::clock;
use crate::domain::{TagId, User, WaId};
use crate::state::AppState;
use crate::store::{
    AssignError, Assigned, AssignmentChange, ChatRecord, TagOutcome, TaggingError, TaggingEvent,
};
use serde_json::json;

/// Puts a tag on a chat; a chat already tagged with it stays as it is, and nobody hears of it.
pub async fn tag(
    state: &AppState,
    by: &User,
    wa_id: &WaId,
    tag: TagId,
) -> Result<TagOutcome, TaggingError> {
    let outcome = state.store.tag_chat(wa_id, tag, by).await?;
    if let TagOutcome::Added(_, event) = &outcome {
        publish_tagging(state, event);
    }
    Ok(outcome)
}

/// Takes a tag off a chat (by the tagging's id); `None` if it was not (any more) on it.
pub async fn untag(
    state: &AppState,
    by: &User,
    tagging: i64,
) -> anyhow::Result<Option<TaggingEvent>> {
    let removed = state.store.remove_tagging(tagging, by).await?;
    if let Some(event) = &removed {
        publish_tagging(state, event);
    }
    Ok(removed)
}

/// `{"chat_tagging": …}` to every connected client.
pub fn publish_tagging(state: &AppState, event: &TaggingEvent) {
    state
        .push
        .getchat_webhook(json!({"chat_tagging": views::tagging_event(event)}));
}

/// Resolves the chat (`true`) or opens it again; a chat already so stays as it is, and nobody
/// hears of it. The chat as it is now; `None` if there is no such chat.
pub async fn set_resolved(
    state: &AppState,
    by: &User,
    wa_id: &WaId,
    resolved: bool,
) -> anyhow::Result<Option<ChatRecord>> {
    let Some(before) = state.store.chat(wa_id).await? else {
        return Ok(None);
    };
    let now = clock::now();
    if !state
        .store
        .set_resolved(wa_id, resolved.then_some(now))
        .await?
    {
        return Ok(None);
    }
    let Some(chat) = state.store.chat(wa_id).await? else {
        return Ok(None);
    };
    if before.resolved_at.is_some() != resolved {
        state.push.getchat_webhook(views::chat_resolved(
            &chat.wa_id,
            chat.resolved_at,
            Some(by),
            now,
        ));
        tracing::info!(
            wa_id = wa_id.as_str(),
            resolved,
            by = by.username.as_str(),
            "chat resolution changed"
        );
    }
    Ok(Some(chat))
}

/// Changes who handles the chat (the store's rules: a person, a member of the group, an agent
/// does not take a chat from another user); a change that changes nothing is not heard of.
pub async fn assign(
    state: &AppState,
    by: &User,
    wa_id: &WaId,
    change: AssignmentChange,
) -> Result<Assigned, AssignError> {
    let assigned = state.store.assign_chat(wa_id, change, by).await?;
    if let Some(event) = &assigned.event {
        state.push.getchat_webhook(views::chat_assignment(event));
        tracing::info!(
            wa_id = wa_id.as_str(),
            by = by.username.as_str(),
            "chat assignment changed"
        );
    }
    Ok(assigned)
}
