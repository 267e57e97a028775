//! The admin's team settings (`settings/team/`): which chats agents see
//! (`agent_chat_visibility`: `all`, `groups` or `own`) and the group that new conversations go to
//! round-robin (`auto_assign_group`: a group's id, or `null` for none). Admins and the
//! configurator read and change them.

use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, Caller};
use crate::api::views;
use crate::domain::{FieldErrors, Role};
use crate::state::AppState;
use crate::store::{ChatVisibility, GroupId, TeamSettingsChange, TeamSettingsError};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value};

pub const NOT_SETTINGS_MANAGER: &str = "Only admins can see or change the team settings.";

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/settings/team/",
        get(show).patch(update).put(update),
    )
}

async fn show(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    require_admin(&caller)?;
    let settings = state.store.team_settings().await?;
    Ok(Json(views::team_settings(&settings)))
}

/// A field left out stays as it is; every field is checked before anything changes.
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    require_admin(&caller)?;
    let change = change(&body)?;
    let settings = match state.store.change_team_settings(change).await {
        Ok(settings) => settings,
        Err(TeamSettingsError::NoGroup(id)) => {
            let mut errors = FieldErrors::default();
            errors.add(
                "auto_assign_group",
                format!("Invalid pk \"{}\" - object does not exist.", id.0),
            );
            return Err(ApiError::Invalid(errors));
        }
        Err(TeamSettingsError::Other(e)) => return Err(ApiError::Internal(e)),
    };
    tracing::info!(
        agent_chat_visibility = settings.agent_chat_visibility.as_str(),
        auto_assign_group = settings.auto_assign_group.map(|g| g.0),
        by = caller.0.username.as_str(),
        "team settings changed"
    );
    Ok(Json(views::team_settings(&settings)))
}

fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    match caller.0.role {
        Role::Admin | Role::Configurator => Ok(()),
        Role::Agent => Err(ApiError::Forbidden(NOT_SETTINGS_MANAGER)),
    }
}

fn change(body: &Map<String, Value>) -> Result<TeamSettingsChange, ApiError> {
    let mut errors = FieldErrors::default();
    let visibility = body
        .get("agent_chat_visibility")
        .and_then(|v| errors.check("agent_chat_visibility", visibility(v)));
    let group = body
        .get("auto_assign_group")
        .and_then(|v| errors.check("auto_assign_group", group(v)));
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    Ok(TeamSettingsChange {
        agent_chat_visibility: visibility,
        auto_assign_group: group,
    })
}

fn visibility(value: &Value) -> Result<ChatVisibility, String> {
    value
        .as_str()
        .and_then(ChatVisibility::parse)
        .ok_or_else(|| format!("{value} is not a valid choice: all, groups or own."))
}

/// A group's id (a number or a string of one), or `null` (or an empty string) for none.
fn group(value: &Value) -> Result<Option<GroupId>, String> {
    let id = match value {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    id.map(|id| Some(GroupId(id)))
        .ok_or_else(|| format!("Incorrect type. Expected pk value, received {value}."))
}
