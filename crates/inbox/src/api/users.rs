use super::error::ApiError;
use super::extract::{ApiJson, Caller};
use super::pagination::{Page, PageQuery};
use super::views;
use crate::accounts::{self, NewUserInput};
use crate::domain::UserId;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

pub async fn current(Caller(user): Caller) -> Json<Value> {
    Json(views::user(&user))
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
    let results = users.iter().map(views::user).collect();
    Ok(Json(Page::new(&url, &query, count, results)))
}

pub async fn retrieve(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = state.store.user(user_id(&id)?).await?;
    user.map(|u| Json(views::user(&u)))
        .ok_or(ApiError::NotFound)
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
