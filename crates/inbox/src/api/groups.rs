//! Groups of agents (`groups/`): everyone reads them with their members; admins and the
//! configurator create, rename and delete them and choose their members, either all at once
//! (`"users": [ids]` in a create or change) or one at a time (`groups/{id}/users/{user_id}/`).
//! The admin's team settings are in [`team_settings`].

mod team_settings;

use super::error::ApiError;
use super::extract::{ApiJson, Caller};
use super::pagination::{Page, PageQuery};
use super::views;
use crate::clock;
use crate::domain::{FieldErrors, Role, UserId};
use crate::state::AppState;
use crate::store::{Group, GroupChange, GroupError, GroupId, GroupName, MembershipError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

pub const NOT_GROUP_MANAGER: &str = "Only admins can create, change or delete groups.";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/groups/", get(list).post(create))
        .route(
            "/api/v1/groups/{id}/",
            get(retrieve).patch(update).put(update).delete(destroy),
        )
        .route(
            "/api/v1/groups/{id}/users/{user_id}/",
            put(add_member).delete(remove_member),
        )
        .merge(team_settings::routes())
}

async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    let (count, groups) = state
        .store
        .groups_page(query.limit(), query.offset())
        .await?;
    let ids: Vec<GroupId> = groups.iter().map(|g| g.id).collect();
    let mut members = state.store.members_of_groups(&ids).await?;
    let people: Vec<UserId> = members.values().flatten().map(|u| u.id).collect();
    let groups_of = state.store.groups_of_users(&people).await?;
    let results = groups
        .iter()
        .map(|g| {
            let members = members.remove(&g.id).unwrap_or_default();
            views::group_with_members(g, &members, &groups_of)
        })
        .collect();
    let url = format!("{}/api/v1/groups/", state.identity.public_origin);
    Ok(Json(Page::new(&url, &query, count, results)))
}

async fn retrieve(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let group = state.store.group(group_id(&id)?).await?;
    let group = group.ok_or(ApiError::NotFound)?;
    Ok(Json(with_members(&state, &group).await?))
}

/// `users` is a list of user ids (numbers, or strings of one).
#[derive(Deserialize)]
struct GroupBody {
    name: Option<String>,
    users: Option<Value>,
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<GroupBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_group_manager(&caller)?;
    let change = change(&body)?;
    let Some(name) = change.name else {
        let mut errors = FieldErrors::default();
        errors.add("name", "This field is required.");
        return Err(ApiError::Invalid(errors));
    };
    let members = change.members.unwrap_or_default();
    let group = state
        .store
        .create_group_with_members(&name, &members, clock::now())
        .await
        .map_err(write_error)?;
    tracing::info!(
        group = group.name.as_str(),
        by = caller.0.username.as_str(),
        "group added"
    );
    Ok((
        StatusCode::CREATED,
        Json(with_members(&state, &group).await?),
    ))
}

/// `PATCH` and `PUT` alike: a field left out stays as it is; `users` replaces the members.
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GroupBody>,
) -> Result<Json<Value>, ApiError> {
    require_group_manager(&caller)?;
    let id = group_id(&id)?;
    let change = change(&body)?;
    let group = state
        .store
        .change_group(id, &change)
        .await
        .map_err(write_error)?;
    let group = group.ok_or(ApiError::NotFound)?;
    tracing::info!(
        group = group.name.as_str(),
        by = caller.0.username.as_str(),
        "group changed"
    );
    Ok(Json(with_members(&state, &group).await?))
}

/// Deleting a group takes it off the chats assigned to it (they keep their user; each chat's
/// history says so and every connected client hears it) and turns round-robin off if it went to
/// this group.
async fn destroy(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_group_manager(&caller)?;
    let unassigned = state.store.delete_group(group_id(&id)?, &caller.0).await?;
    let unassigned = unassigned.ok_or(ApiError::NotFound)?;
    // Every connected client hears of each chat the group was taken off.
    for event in &unassigned {
        state.push.getchat_webhook(views::chat_assignment(event));
    }
    tracing::info!(
        id,
        chats = unassigned.len(),
        by = caller.0.username.as_str(),
        "group deleted"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Adds one person to the group (again: nothing changes); answers the group.
async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    require_group_manager(&caller)?;
    let id = group_id(&id)?;
    let user = user_id_in_path(&user_id)?;
    match state.store.add_group_member(id, user).await {
        Ok(()) => {}
        Err(MembershipError::NoGroup | MembershipError::NoUser(_)) => {
            return Err(ApiError::NotFound)
        }
        Err(e @ MembershipError::NotAPerson(_)) => return Err(field_error("users", e.to_string())),
        Err(MembershipError::Other(e)) => return Err(ApiError::Internal(e)),
    }
    let group = state.store.group(id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(with_members(&state, &group).await?))
}

/// Takes one person out of the group; 404 if they were not in it.
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    require_group_manager(&caller)?;
    let (id, user) = (group_id(&id)?, user_id_in_path(&user_id)?);
    if state.store.remove_group_member(id, user).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

async fn with_members(state: &AppState, group: &Group) -> Result<Value, ApiError> {
    let members = state.store.group_members(group.id).await?;
    let people: Vec<UserId> = members.iter().map(|u| u.id).collect();
    let groups_of = state.store.groups_of_users(&people).await?;
    Ok(views::group_with_members(group, &members, &groups_of))
}

/// Admins and the configurator manage groups; agents belong to them.
fn require_group_manager(caller: &Caller) -> Result<(), ApiError> {
    match caller.0.role {
        Role::Admin | Role::Configurator => Ok(()),
        Role::Agent => Err(ApiError::Forbidden(NOT_GROUP_MANAGER)),
    }
}

/// The fields a request sends, each checked.
fn change(body: &GroupBody) -> Result<GroupChange, ApiError> {
    let mut errors = FieldErrors::default();
    let name = body
        .name
        .as_deref()
        .and_then(|raw| errors.check("name", GroupName::parse(raw)));
    let members = body
        .users
        .as_ref()
        .and_then(|raw| errors.check("users", user_ids(raw)));
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    Ok(GroupChange { name, members })
}

/// A list of primary keys as Django REST framework reads one: numbers or strings of one.
fn user_ids(raw: &Value) -> Result<Vec<UserId>, String> {
    let Value::Array(items) = raw else {
        return Err(format!(
            "Expected a list of items but got type \"{}\".",
            json_type(raw)
        ));
    };
    let mut ids: Vec<UserId> = Vec::with_capacity(items.len());
    for item in items {
        let id = match item {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        let id =
            id.ok_or_else(|| format!("Incorrect type. Expected pk value, received {item}."))?;
        if !ids.contains(&UserId(id)) {
            ids.push(UserId(id));
        }
    }
    Ok(ids)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn write_error(e: GroupError) -> ApiError {
    match e {
        GroupError::NameTaken => field_error("name", e.to_string()),
        GroupError::Members(MembershipError::NoUser(id)) => field_error(
            "users",
            format!("Invalid pk \"{}\" - object does not exist.", id.0),
        ),
        GroupError::Members(e @ MembershipError::NotAPerson(_)) => {
            field_error("users", e.to_string())
        }
        GroupError::Members(MembershipError::NoGroup) => ApiError::NotFound,
        GroupError::Members(MembershipError::Other(e)) | GroupError::Other(e) => {
            ApiError::Internal(e)
        }
    }
}

fn field_error(field: &'static str, message: String) -> ApiError {
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    ApiError::Invalid(errors)
}

fn group_id(raw: &str) -> Result<GroupId, ApiError> {
    raw.parse().map(GroupId).map_err(|_| ApiError::NotFound)
}

fn user_id_in_path(raw: &str) -> Result<UserId, ApiError> {
    raw.parse().map(UserId).map_err(|_| ApiError::NotFound)
}
