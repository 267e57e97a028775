use super::error::ApiError;
use super::extract::{ApiJson, Caller};
use super::pagination::{Page, PageQuery};
use crate::accounts::{self, NewUserInput};
use crate::clock;
use crate::domain::{Role, User, UserId};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

/// A user as the API shows it.
#[derive(Debug, Serialize)]
pub struct UserView {
    id: i64,
    username: String,
    email: String,
    role: Role,
    is_active: bool,
    date_joined: String,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            username: user.username.as_str().to_owned(),
            email: user.email,
            role: user.role,
            is_active: true,
            date_joined: clock::rfc3339(user.date_joined),
        }
    }
}

pub async fn current(Caller(user): Caller) -> Json<UserView> {
    Json(user.into())
}

pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<UserView>>, ApiError> {
    let (count, users) = state
        .store
        .users_page(query.limit(), query.offset())
        .await?;
    let url = format!("{}/api/v1/users/", state.identity.public_origin);
    let results = users.into_iter().map(UserView::from).collect();
    Ok(Json(Page::new(&url, &query, count, results)))
}

pub async fn retrieve(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = state.store.user(user_id(&id)?).await?;
    user.map(|u| Json(u.into())).ok_or(ApiError::NotFound)
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
) -> Result<(StatusCode, Json<UserView>), ApiError> {
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
    Ok((StatusCode::CREATED, Json(user.into())))
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
