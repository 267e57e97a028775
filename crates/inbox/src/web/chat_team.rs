//! The team's controls of an open conversation: its tags (add one, take one off), resolve or
//! reopen it. Plain forms with the session's CSRF token that answer with a redirect back to the
//! conversation (POST-redirect-GET); every change reaches the other open pages through the live
//! feed (`messaging::chat_actions` publishes it).

use super::chat_page::visible_chat;
use super::error::WebError;
use super::layout::csrf_field;
use super::list_query::ListQuery;
use super::session::InboxSession;
use super::team_marks::{assignee_text, dot};
use crate::domain::{Tag, TagId, WaId};
use crate::messaging::chat_actions;
use crate::state::AppState;
use crate::store::{ChatRecord, TaggingError};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

/// The controls as the conversation shows them.
pub struct TeamBar<'a> {
    pub chat: &'a ChatRecord,
    /// Every tag.
    pub tags: &'a [Tag],
    /// `/inbox/chats/{wa_id}`.
    pub base: String,
    /// The list's filters, kept by every form.
    pub list_query: String,
    pub csrf_token: &'a str,
}

impl TeamBar<'_> {
    pub fn render(&self) -> Markup {
        let chat = self.chat;
        let resolved = chat.resolved_at.is_some();
        let assignee = assignee_text(chat.assigned_user.as_ref(), chat.assigned_group.as_ref());
        let addable: Vec<&Tag> = self
            .tags
            .iter()
            .filter(|t| !chat.tags.iter().any(|on| on.tag.id == t.id))
            .collect();
        let list = &self.list_query;
        html! {
            // Swapped by the page's script when someone changes the chat.
            div.chat-team #chat-team data-live {
                div.team-state {
                    @if resolved {
                        span.resolved-mark.state { "✓ Resolved" }
                    } @else {
                        span.open-mark.state { "Open" }
                    }
                    span.assignee.state {
                        @match &assignee {
                            Some(who) => { "Assigned to " strong { (who) } },
                            None => { "Unassigned" },
                        }
                    }
                    form.inline.resolve-form method="post" action={ (self.base) "/resolve" (list) } {
                        (csrf_field(self.csrf_token))
                        input type="hidden" name="resolved" value=(if resolved { "0" } else { "1" });
                        button.quiet.resolve type="submit" {
                            @if resolved { "Reopen" } @else { "Resolve" }
                        }
                    }
                }
                div.team-tags {
                    ul.chat-tags aria-label="Tags" {
                        @for tagging in &chat.tags {
                            li.tag-chip {
                                (dot(&tagging.tag.color))
                                span.tag-name { (tagging.tag.name.as_str()) }
                                form.inline method="post"
                                    action={ (self.base) "/tags/" (tagging.id) "/delete" (list) } {
                                    (csrf_field(self.csrf_token))
                                    button.untag type="submit"
                                        title={ "Remove the tag " (tagging.tag.name.as_str()) }
                                        aria-label={ "Remove the tag " (tagging.tag.name.as_str()) } { "×" }
                                }
                            }
                        }
                    }
                    @if !addable.is_empty() {
                        form.add-tag method="post" action={ (self.base) "/tags" (list) } {
                            (csrf_field(self.csrf_token))
                            label {
                                span.visually-hidden { "Tag to add" }
                                select name="tag" required {
                                    option value="" { "Add a tag…" }
                                    @for tag in &addable {
                                        option value=(tag.id.0) { (tag.name.as_str()) }
                                    }
                                }
                            }
                            button.quiet type="submit" { "Add" }
                        }
                    } @else if self.tags.is_empty() {
                        span.hint { "No tags yet: an admin adds them in the admin panel." }
                    }
                }
            }
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TagForm {
    csrf_token: String,
    tag: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf_token: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ResolveForm {
    csrf_token: String,
    /// `1` resolves, `0` opens again.
    resolved: String,
}

/// `POST /inbox/chats/{wa_id}/tags`: puts the chosen tag on the chat (once).
pub async fn add_tag(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
    Path(wa_id): Path<String>,
    Query(query): Query<ListQuery>,
    Form(form): Form<TagForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &form.csrf_token)?;
    let wa_id = visible_chat(&state, &session.user, &wa_id).await?;
    let Ok(tag) = form.tag.trim().parse().map(TagId) else {
        return Ok(back(&wa_id, &query, Some("choose-tag")));
    };
    match chat_actions::tag(&state, &session.user, &wa_id, tag).await {
        Ok(_) => Ok(back(&wa_id, &query, None)),
        Err(TaggingError::NoSuchTag) => Ok(back(&wa_id, &query, Some("tag-gone"))),
        Err(TaggingError::NoSuchChat) => Err(WebError::NotFound),
        Err(TaggingError::Internal(e)) => Err(e.into()),
    }
}

/// `POST /inbox/chats/{wa_id}/tags/{tagging}/delete`: takes that tag off the chat. One already
/// taken off (by someone else a moment ago) is not an error: the chat is as asked.
pub async fn remove_tag(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
    Path((wa_id, tagging)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &form.csrf_token)?;
    let wa_id = visible_chat(&state, &session.user, &wa_id).await?;
    let id: i64 = tagging.parse().map_err(|_| WebError::NotFound)?;
    match state.store.tagging(id).await? {
        Some(found) if found.wa_id == wa_id.as_str() => {
            chat_actions::untag(&state, &session.user, id).await?;
        }
        Some(_) => return Err(WebError::NotFound),
        None => {}
    }
    Ok(back(&wa_id, &query, None))
}

/// `POST /inbox/chats/{wa_id}/resolve`: resolves the chat or opens it again.
pub async fn resolve(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
    Path(wa_id): Path<String>,
    Query(query): Query<ListQuery>,
    Form(form): Form<ResolveForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &form.csrf_token)?;
    let wa_id = visible_chat(&state, &session.user, &wa_id).await?;
    let resolved = form.resolved.trim() != "0";
    chat_actions::set_resolved(&state, &session.user, &wa_id, resolved)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(back(&wa_id, &query, None))
}

/// 303 to the conversation, the list as it was; `problem` names a fixed text (`TeamQuery`).
fn back(wa_id: &WaId, query: &ListQuery, problem: Option<&str>) -> Response {
    let list = query.view().query_string();
    let mut to = format!("/inbox/chats/{wa_id}{list}");
    if let Some(problem) = problem {
        let separator = if list.is_empty() { '?' } else { '&' };
        to.push_str(&format!("{separator}team={problem}"));
    }
    Redirect::to(&to).into_response()
}

/// `?team=…` after a change that could not be made. Only fixed texts are shown.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TeamQuery {
    team: String,
}

impl TeamQuery {
    pub fn problem(&self) -> Option<&'static str> {
        match self.team.as_str() {
            "choose-tag" => Some("Choose a tag to add."),
            "tag-gone" => Some("That tag no longer exists: an admin deleted it."),
            _ => None,
        }
    }
}
