//! The team's controls of an open conversation: its tags (add one, take one off), resolve or
//! reopen it, who handles it (a user and/or a group, or "assign to me"). Plain forms with the session's CSRF token that answer with a redirect back to the
//! conversation (POST-redirect-GET); every change reaches the other open pages through the live
//! feed (`messaging::chat_actions` publishes it).

use super::chat_page::visible_chat;
use super::error::WebError;
use super::layout::csrf_field;
use super::list_query::ListQuery;
use super::session::InboxSession;
use super::team_marks::{assignee_text, dot, person_icon};
use crate::domain::{Role, Tag, TagId, User, UserId, WaId};
use crate::messaging::chat_actions;
use crate::state::AppState;
use crate::store::{AssignError, AssignmentChange, ChatRecord, Group, GroupId, TaggingError};
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
    /// Everyone a chat can be assigned to, and every group.
    pub people: &'a [User],
    pub groups: &'a [Group],
    /// Who is looking.
    pub me: &'a User,
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
        let held_by = chat.assigned_user.as_ref().map(|u| u.id);
        html! {
            // Swapped by the page's script when someone changes the chat.
            div.chat-team #chat-team data-live {
                div.team-row.team-state {
                    @if resolved {
                        span.resolved-mark.state { "✓ Resolved" }
                    } @else {
                        span.open-mark.state { "Open" }
                    }
                    span.assignee.state {
                        (person_icon())
                        @match &assignee {
                            Some(who) => { "Assigned to " strong { (who) } },
                            None => { "Unassigned" },
                        }
                    }
                    @if held_by != Some(self.me.id) && self.me.may_reassign_chat_held_by(held_by) {
                        form.inline.assign-me method="post" action={ (self.base) "/assign" (list) } {
                            (csrf_field(self.csrf_token))
                            input type="hidden" name="user" value=(self.me.id.0);
                            button.quiet type="submit" { "Assign to me" }
                        }
                    }
                    form.inline.resolve-form method="post" action={ (self.base) "/resolve" (list) } {
                        (csrf_field(self.csrf_token))
                        input type="hidden" name="resolved" value=(if resolved { "0" } else { "1" });
                        button.quiet.resolve type="submit" {
                            @if resolved { "Reopen" } @else { "Resolve" }
                        }
                    }
                    @if self.me.may_reassign_chat_held_by(held_by) {
                        (self.assign_form())
                    }
                }
                div.team-row.team-tags {
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

impl TeamBar<'_> {
    /// Who handles the chat, to be changed: a user, a group, both or neither.
    fn assign_form(&self) -> Markup {
        let user = self.chat.assigned_user.as_ref().map(|u| u.id);
        let group = self.chat.assigned_group.as_ref().map(|g| g.id);
        html! {
            details.assign {
                summary { "Change assignment" }
                form.assign-form method="post" action={ (self.base) "/assign" (self.list_query) } {
                    (csrf_field(self.csrf_token))
                    label {
                        "User"
                        select name="user" {
                            option value="" selected[user.is_none()] { "Nobody" }
                            @for person in self.people {
                                option value=(person.id.0) selected[user == Some(person.id)] {
                                    (person.username.as_str())
                                    @if person.id == self.me.id { " (me)" }
                                }
                            }
                        }
                    }
                    label {
                        "Group"
                        select name="group" {
                            option value="" selected[group.is_none()] { "No group" }
                            @for g in self.groups {
                                option value=(g.id.0) selected[group == Some(g.id)] { (g.name) }
                            }
                        }
                    }
                    button.quiet type="submit" { "Assign" }
                }
            }
        }
    }
}

/// People a chat can be assigned to: not the configurator.
pub fn assignable(users: Vec<User>) -> Vec<User> {
    users
        .into_iter()
        .filter(|u| u.role != Role::Configurator)
        .collect()
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    csrf_token: String,
    /// A user's id, empty for nobody; left out: stays as it is.
    user: Option<String>,
    /// A group's id, empty for none; left out: stays as it is.
    group: Option<String>,
}

/// `POST /inbox/chats/{wa_id}/assign`: changes who handles the chat.
pub async fn assign(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
    Path(wa_id): Path<String>,
    Query(query): Query<ListQuery>,
    Form(form): Form<AssignForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &form.csrf_token)?;
    let wa_id = visible_chat(&state, &session.user, &wa_id).await?;
    let (Some(user), Some(group)) = (id_field(&form.user), id_field(&form.group)) else {
        return Ok(back(&wa_id, &query, Some("assign-gone")));
    };
    let change = AssignmentChange {
        user: user.map(|id| id.map(UserId)),
        group: group.map(|id| id.map(GroupId)),
    };
    let problem = match chat_actions::assign(&state, &session.user, &wa_id, change).await {
        Ok(_) => None,
        Err(AssignError::HeldByAnother) => Some("held"),
        Err(AssignError::NotInGroup) => Some("not-in-group"),
        Err(AssignError::NoSuchUser(_) | AssignError::NoSuchGroup(_) | AssignError::NotAPerson) => {
            Some("assign-gone")
        }
        Err(AssignError::NoSuchChat) => return Err(WebError::NotFound),
        Err(AssignError::Internal(e)) => return Err(e.into()),
    };
    Ok(back(&wa_id, &query, problem))
}

/// A field of the assignment form: left out (`Some(None)`: keep), empty (clear) or an id;
/// `None` for anything else.
fn id_field(raw: &Option<String>) -> Option<Option<Option<i64>>> {
    match raw.as_deref().map(str::trim) {
        None => Some(None),
        Some("") => Some(Some(None)),
        Some(id) => id.parse().ok().map(|id| Some(Some(id))),
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
            "held" => Some(
                "This chat is already assigned to another user: only they or an admin can \
                 change that.",
            ),
            "not-in-group" => Some("That user is not a member of that group."),
            "assign-gone" => Some("That user or group no longer exists."),
            _ => None,
        }
    }
}
