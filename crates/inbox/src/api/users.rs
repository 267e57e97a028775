use super::error::ApiError;
use super::extract::{ApiJson, Caller};
use super::pagination::{Page, PageQuery};
use super::views;
use crate::accounts::{self, NewUserInput};
use crate::domain::{User, UserId};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

pub async fn current(
    State(state): State<AppState>,
    Caller(user): Caller,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(with_groups(&state, &user).await?))
}

pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    let (count, users) = state
        .store
        .users_page(query.limit(), query.offset())
        .await?;
    let url = format!("{}/api/v1/users/", state.identity.public_origin);
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let groups = state.store.groups_of_users(&ids).await?;
    let results = users
        .iter()
        .map(|u| views::user_in_groups(u, groups.get(&u.id).map_or(&[], Vec::as_slice)))
        .collect();
    Ok(Json(Page::new(&url, &query, count, results)))
}

pub async fn retrieve(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = state.store.user(user_id(&id)?).await?;
    let user = user.ok_or(ApiError::NotFound)?;
    Ok(Json(with_groups(&state, &user).await?))
}

/// The user with the groups they belong to, as get.chat's `users/` answers them.
async fn with_groups(state: &AppState, user: &User) -> Result<Value, ApiError> {
    let groups = state.store.groups_of(user.id).await?;
    Ok(views::user_in_groups(user, &groups))
}

#[derive(Deserialize)]
pub struct CreateUser {
    username: Option<String>,
    password: Option<String>,
    email: Option<String>,
    role: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require_user_manager()?;
    let input = NewUserInput {
        username: body.username.as_deref(),
        password: body.password.as_deref(),
        email: body.email.as_deref(),
        role: body.role.as_deref(),
    };
    let user = accounts::add_user(&state, input).await?;
    tracing::info!(
        user = user.username.as_str(),
        by = caller.0.username.as_str(),
        "user added"
    );
    Ok((StatusCode::CREATED, Json(views::user(&user))))
}

pub async fn destroy(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_user_manager()?;
    accounts::remove_user(&state, &caller.0, user_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn user_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse().map(UserId).map_err(|_| ApiError::NotFound)
}
