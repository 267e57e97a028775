//! The admin panel's team settings: which chats agents see, and the group that new
//! conversations go to in turn.

use super::admin_view::admin_menu;
use super::error::WebError;
use super::layout::{csrf_field, notice, page, Tone};
use super::session::{AdminSession, WebSession};
use crate::domain::User;
use crate::state::AppState;
use crate::store::TeamSettingsError;
use crate::store::{ChatVisibility, Group, GroupId, TeamSettings, TeamSettingsChange};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

/// An instance has a handful of groups: the select lists them all.
const LISTED_GROUPS: u32 = 1000;

#[derive(Deserialize)]
pub struct SettingsQuery {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(query): Query<SettingsQuery>,
) -> Result<Response, WebError> {
    let mut view = SettingsView::load(&state, &session).await?;
    if query.done.as_deref() == Some("saved") {
        view.notice = Some((Tone::Success, "The team settings are saved.".into()));
    }
    Ok(settings_page(&view).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    agent_chat_visibility: String,
    /// A group's id, or empty for none.
    auto_assign_group: String,
    csrf_token: String,
}

pub async fn save(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Form(input): Form<SettingsForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let Some(visibility) = ChatVisibility::parse(&input.agent_chat_visibility) else {
        return refused(&state, &session, "Choose which chats agents see.").await;
    };
    let group = match input.auto_assign_group.trim() {
        "" => None,
        raw => match raw.parse() {
            Ok(id) => Some(GroupId(id)),
            Err(_) => return refused(&state, &session, "There is no such group.").await,
        },
    };
    let change = TeamSettingsChange {
        agent_chat_visibility: Some(visibility),
        auto_assign_group: Some(group),
    };
    match state.store.change_team_settings(change).await {
        Ok(settings) => {
            tracing::info!(
                agent_chat_visibility = settings.agent_chat_visibility.as_str(),
                auto_assign_group = settings.auto_assign_group.map(|g| g.0),
                by = session.user.username.as_str(),
                "team settings changed"
            );
            Ok(Redirect::to("/admin/settings?done=saved").into_response())
        }
        Err(e @ TeamSettingsError::NoGroup(_)) => refused(&state, &session, &e.to_string()).await,
        Err(TeamSettingsError::Other(e)) => Err(e.into()),
    }
}

/// The page again with the stored settings, saying why nothing was saved.
async fn refused(
    state: &AppState,
    session: &WebSession,
    reason: &str,
) -> Result<Response, WebError> {
    let mut view = SettingsView::load(state, session).await?;
    view.notice = Some((
        Tone::Error,
        format!("The team settings were not saved: {reason}"),
    ));
    Ok((StatusCode::BAD_REQUEST, settings_page(&view)).into_response())
}

struct SettingsView {
    me: User,
    csrf_token: String,
    settings: TeamSettings,
    groups: Vec<Group>,
    notice: Option<(Tone, String)>,
}

impl SettingsView {
    async fn load(state: &AppState, session: &WebSession) -> Result<Self, WebError> {
        let (_, groups) = state.store.groups_page(LISTED_GROUPS, 0).await?;
        Ok(Self {
            me: session.user.clone(),
            csrf_token: session.csrf_token(state),
            settings: state.store.team_settings().await?,
            groups,
            notice: None,
        })
    }
}

/// What each choice means, as the page explains it.
fn visibility_text(visibility: ChatVisibility) -> (&'static str, &'static str) {
    match visibility {
        ChatVisibility::All => ("Every chat", "Agents see and answer every chat."),
        ChatVisibility::Groups => (
            "Their own and their groups' chats",
            "Agents see chats assigned to them or to a group they belong to.",
        ),
        ChatVisibility::Own => (
            "Only their own chats",
            "Agents see only the chats assigned to them.",
        ),
    }
}

fn settings_page(view: &SettingsView) -> Markup {
    let current = view.settings.agent_chat_visibility;
    let auto = view.settings.auto_assign_group;
    page(
        "Team settings",
        "Admin panel",
        admin_menu(&view.me, &view.csrf_token),
        html! {
            @if let Some((tone, text)) = &view.notice { (notice(*tone, text)) }
            section.card.settings {
                h2 { "Team settings" }
                form.stack method="post" action="/admin/settings" {
                    (csrf_field(&view.csrf_token))
                    fieldset.choices {
                        legend { "Which chats agents see" }
                        @for choice in ChatVisibility::EVERY {
                            @let (label, text) = visibility_text(choice);
                            label.choice {
                                input type="radio" name="agent_chat_visibility" value=(choice.as_str()) checked[choice == current];
                                span { strong { (label) } span.hint { (text) } }
                            }
                        }
                        p.hint { "Admins always see every chat." }
                    }
                    label {
                        "Assign new conversations automatically"
                        span.hint { "Each new conversation goes to this group and, in turn, to its next available member." }
                        select name="auto_assign_group" {
                            option value="" selected[auto.is_none()] { "Off" }
                            @for group in &view.groups {
                                option value=(group.id.0) selected[auto == Some(group.id)] { (group.name) }
                            }
                        }
                    }
                    @if view.groups.is_empty() {
                        p.hint { "There are no groups yet: " a href="/admin/groups" { "add one" } " to assign conversations automatically." }
                    }
                    div { button type="submit" { "Save settings" } }
                }
            }
        },
    )
}
