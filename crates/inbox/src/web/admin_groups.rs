//! The admin panel's groups page: add, rename and delete groups of agents, and choose who is in
//! each of them.

use super::admin_view::admin_menu;
use super::error::WebError;
use super::layout::{csrf_field, notice, page, post_button, Tone};
use super::login::CsrfOnly;
use super::session::{AdminSession, WebSession};
use crate::api::views;
use crate::clock;
use crate::domain::{Role, User, UserId};
use crate::state::AppState;
use crate::store::{Group, GroupError, GroupId, GroupName, MembershipError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::HashMap;

/// An instance has a handful of groups and users: one page lists them all.
const LISTED: u32 = 1000;
/// As `GroupName` allows.
const MAX_NAME_CHARS: usize = 150;

#[derive(Deserialize)]
pub struct GroupsQuery {
    done: Option<String>,
}

/// What the page says after a change; only these fixed texts can be shown.
fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "group-added" => Some("The group was added. Add its members below."),
        "group-saved" => Some("The group was renamed."),
        "group-deleted" => Some("The group was deleted; its chats keep their agent."),
        "member-added" => Some("The member was added."),
        "member-removed" => Some("The member was removed from the group."),
        _ => None,
    }
}

pub async fn list(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(query): Query<GroupsQuery>,
) -> Result<Response, WebError> {
    let mut view = GroupsView::load(&state, &session).await?;
    let done = query.done.as_deref().and_then(done_message);
    view.notice = done.map(|text| (Tone::Success, text.to_owned()));
    Ok(groups_page(&view).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NameForm {
    name: String,
    csrf_token: String,
}

pub async fn add(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Form(input): Form<NameForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let name = match GroupName::parse(&input.name) {
        Ok(name) => name,
        Err(e) => {
            return refused(&state, &session, "The group was not added:", &e, input.name).await
        }
    };
    match state.store.create_group(&name, clock::now()).await {
        Ok(group) => {
            tracing::info!(
                group = group.name.as_str(),
                by = session.user.username.as_str(),
                "group added"
            );
            Ok(Redirect::to("/admin/groups?done=group-added").into_response())
        }
        Err(e) => write_refused(&state, &session, "The group was not added:", e, input.name).await,
    }
}

pub async fn rename(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<i64>,
    Form(input): Form<NameForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let name = match GroupName::parse(&input.name) {
        Ok(name) => name,
        Err(e) => {
            let what = "The group was not renamed:";
            return refused(&state, &session, what, &e, String::new()).await;
        }
    };
    match state.store.rename_group(GroupId(id), &name).await {
        Ok(Some(_)) => Ok(Redirect::to("/admin/groups?done=group-saved").into_response()),
        Ok(None) => Err(WebError::NotFound),
        Err(e) => {
            let what = "The group was not renamed:";
            write_refused(&state, &session, what, e, String::new()).await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<i64>,
    Form(input): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let unassigned = state.store.delete_group(GroupId(id), &session.user).await?;
    let unassigned = unassigned.ok_or(WebError::NotFound)?;
    // Every connected client hears of each chat the group was taken off.
    for event in &unassigned {
        state.push.getchat_webhook(views::chat_assignment(event));
    }
    tracing::info!(
        id,
        chats = unassigned.len(),
        by = session.user.username.as_str(),
        "group deleted"
    );
    Ok(Redirect::to("/admin/groups?done=group-deleted").into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    user_id: String,
    csrf_token: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<i64>,
    Form(input): Form<MemberForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let Ok(user) = input.user_id.trim().parse().map(UserId) else {
        let (what, reason) = ("The member was not added:", "Choose a user to add.");
        return refused(&state, &session, what, reason, String::new()).await;
    };
    match state.store.add_group_member(GroupId(id), user).await {
        Ok(()) => Ok(Redirect::to("/admin/groups?done=member-added").into_response()),
        Err(MembershipError::NoGroup) => Err(WebError::NotFound),
        Err(MembershipError::Other(e)) => Err(e.into()),
        Err(e) => {
            let what = "The member was not added:";
            refused(&state, &session, what, &e.to_string(), String::new()).await
        }
    }
}

pub async fn remove_member(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path((id, user)): Path<(i64, i64)>,
    Form(input): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    if !state
        .store
        .remove_group_member(GroupId(id), UserId(user))
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/admin/groups?done=member-removed").into_response())
}

async fn write_refused(
    state: &AppState,
    session: &WebSession,
    what: &str,
    error: GroupError,
    draft: String,
) -> Result<Response, WebError> {
    match error {
        GroupError::Other(e) | GroupError::Members(MembershipError::Other(e)) => Err(e.into()),
        e => refused(state, session, what, &e.to_string(), draft).await,
    }
}

/// The page again, saying why the change was refused; `draft` refills the add form.
async fn refused(
    state: &AppState,
    session: &WebSession,
    what: &str,
    reason: &str,
    draft: String,
) -> Result<Response, WebError> {
    let mut view = GroupsView::load(state, session).await?;
    view.notice = Some((Tone::Error, format!("{what} {reason}")));
    view.draft = draft;
    Ok((StatusCode::BAD_REQUEST, groups_page(&view)).into_response())
}

struct GroupsView {
    me: User,
    csrf_token: String,
    groups: Vec<Group>,
    members: HashMap<GroupId, Vec<User>>,
    /// Everyone who may be a member: admins and agents.
    people: Vec<User>,
    notice: Option<(Tone, String)>,
    /// The add form's name as sent, after a refusal.
    draft: String,
}

impl GroupsView {
    async fn load(state: &AppState, session: &WebSession) -> Result<Self, WebError> {
        let (_, groups) = state.store.groups_page(LISTED, 0).await?;
        let ids: Vec<GroupId> = groups.iter().map(|g| g.id).collect();
        let members = state.store.members_of_groups(&ids).await?;
        let (_, users) = state.store.users_page(LISTED, 0).await?;
        let people = users
            .into_iter()
            .filter(|u| u.role != Role::Configurator)
            .collect();
        Ok(Self {
            me: session.user.clone(),
            csrf_token: session.csrf_token(state),
            groups,
            members,
            people,
            notice: None,
            draft: String::new(),
        })
    }
}

fn groups_page(view: &GroupsView) -> Markup {
    page(
        "Groups",
        "Admin panel",
        admin_menu(&view.me, &view.csrf_token),
        html! {
            @if let Some((tone, text)) = &view.notice { (notice(*tone, text)) }
            div.columns {
                div.group-list {
                    @if view.groups.is_empty() {
                        section.card {
                            h2 { "Groups" }
                            p.muted { "No groups yet. A group gathers agents who handle the same chats, such as Sales or Support; add the first one here." }
                        }
                    }
                    @for group in &view.groups { (group_card(view, group)) }
                    @if !view.groups.is_empty() {
                        p.hint { "Deleting a group takes it off the chats assigned to it; they keep their agent. " a href="/admin/settings" { "Team settings" } " decide whether agents see their groups' chats." }
                    }
                }
                (add_group_card(view))
            }
        },
    )
}

fn group_card(view: &GroupsView, group: &Group) -> Markup {
    let members = view
        .members
        .get(&group.id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let others: Vec<&User> = view
        .people
        .iter()
        .filter(|p| !members.iter().any(|m| m.id == p.id))
        .collect();
    let path = format!("/admin/groups/{}", group.id.0);
    html! {
        section.card.group aria-label=(group.name) {
            div.group-head {
                form.group-rename method="post" action=(path) {
                    (csrf_field(&view.csrf_token))
                    input name="name" aria-label="Group name" required maxlength=(MAX_NAME_CHARS) value=(group.name);
                    button.quiet.save type="submit" { "Rename" }
                }
                (post_button(&format!("{path}/delete"), &view.csrf_token, "Delete group", "quiet"))
            }
            h3 { "Members " span.count { (members.len()) } }
            @if members.is_empty() {
                p.muted { "Nobody yet." }
            }
            ul.members {
                @for member in members {
                    li {
                        span.member-name { (member.username.as_str()) }
                        @if member.role == Role::Admin { " " span.role.admin { "Admin" } }
                        (post_button(&format!("{path}/members/{}/remove", member.id.0), &view.csrf_token, "Remove", "quiet"))
                    }
                }
            }
            @if others.is_empty() {
                p.hint { "Everyone is in this group." }
            } @else {
                form.add-member method="post" action=(format!("{path}/members")) {
                    (csrf_field(&view.csrf_token))
                    select name="user_id" aria-label=(format!("Add a member to {}", group.name)) required {
                        option value="" { "Add a member…" }
                        @for person in &others {
                            option value=(person.id.0) { (person.username.as_str()) }
                        }
                    }
                    button.quiet.save type="submit" { "Add" }
                }
            }
        }
    }
}

fn add_group_card(view: &GroupsView) -> Markup {
    html! {
        section.card {
            h2 { "Add a group" }
            form.stack method="post" action="/admin/groups" {
                (csrf_field(&view.csrf_token))
                label { "Name" span.hint { "Such as Sales or Support." } input name="name" autocomplete="off" required maxlength=(MAX_NAME_CHARS) value=(view.draft); }
                button type="submit" { "Add group" }
            }
        }
    }
}
