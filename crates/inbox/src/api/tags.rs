//! Tags (`tags/`): everyone reads them; admins and the configurator create, rename, recolour
//! and delete them. Tagging chats is in [`tagging`].

mod tagging;

use super::error::ApiError;
use super::extract::{ApiJson, Caller};
use super::pagination::{Page, PageQuery};
use super::views;
use crate::domain::{FieldErrors, Role, TagColor, TagId, TagName};
use crate::state::AppState;
use crate::store::{TagChange, TagWriteError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub const NOT_TAG_MANAGER: &str = "Only admins can create, change or delete tags.";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tags/", get(list).post(create))
        .route(
            "/api/v1/tags/{id}/",
            get(retrieve).patch(update).put(update).delete(destroy),
        )
        .merge(tagging::routes())
}

async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    let (count, tags) = state.store.tags_page(query.limit(), query.offset()).await?;
    let url = format!("{}/api/v1/tags/", state.identity.public_origin);
    let results = tags.iter().map(views::tag).collect();
    Ok(Json(Page::new(&url, &query, count, results)))
}

async fn retrieve(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let tag = state.store.tag(tag_id(&id)?).await?;
    tag.map(|t| Json(views::tag(&t))).ok_or(ApiError::NotFound)
}

#[derive(Deserialize)]
struct TagBody {
    name: Option<String>,
    web_inbox_color: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<TagBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_tag_manager(&caller)?;
    let (name, color) = new_tag(&body)?;
    let tag = state
        .store
        .insert_tag(&name, &color)
        .await
        .map_err(write_error)?;
    tracing::info!(
        tag = tag.name.as_str(),
        by = caller.0.username.as_str(),
        "tag added"
    );
    Ok((StatusCode::CREATED, Json(views::tag(&tag))))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TagBody>,
) -> Result<Json<Value>, ApiError> {
    require_tag_manager(&caller)?;
    let id = tag_id(&id)?;
    let change = change(&body)?;
    let tag = state
        .store
        .update_tag(id, &change)
        .await
        .map_err(write_error)?;
    tag.map(|t| Json(views::tag(&t))).ok_or(ApiError::NotFound)
}

/// Deleting a tag takes it off every chat: each chat's history says so, and every connected
/// client hears of each removal as of an untagging.
async fn destroy(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_tag_manager(&caller)?;
    let removals = state.store.delete_tag(tag_id(&id)?, &caller.0).await?;
    let removals = removals.ok_or(ApiError::NotFound)?;
    for removal in &removals {
        state
            .push
            .getchat_webhook(json!({"chat_tagging": views::tagging_event(removal)}));
    }
    tracing::info!(id, by = caller.0.username.as_str(), "tag deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Admins and the configurator manage tags; agents use them.
fn require_tag_manager(caller: &Caller) -> Result<(), ApiError> {
    match caller.0.role {
        Role::Admin | Role::Configurator => Ok(()),
        Role::Agent => Err(ApiError::Forbidden(NOT_TAG_MANAGER)),
    }
}

/// The fields of a new tag: a name, and a colour or none.
fn new_tag(body: &TagBody) -> Result<(TagName, TagColor), ApiError> {
    let mut errors = FieldErrors::default();
    let name = match body.name.as_deref() {
        Some(raw) => errors.check("name", TagName::parse(raw)),
        None => {
            errors.add("name", "This field is required.");
            None
        }
    };
    let color = body.web_inbox_color.as_deref().unwrap_or_default();
    let color = errors.check("web_inbox_color", TagColor::parse(color));
    match (name, color) {
        (Some(name), Some(color)) => Ok((name, color)),
        _ => Err(ApiError::Invalid(errors)),
    }
}

/// The fields a change sends, each checked; those it leaves out stay as they are.
fn change(body: &TagBody) -> Result<TagChange, ApiError> {
    let mut errors = FieldErrors::default();
    let name = body
        .name
        .as_deref()
        .and_then(|raw| errors.check("name", TagName::parse(raw)));
    let color = body
        .web_inbox_color
        .as_deref()
        .and_then(|raw| errors.check("web_inbox_color", TagColor::parse(raw)));
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    Ok(TagChange { name, color })
}

fn write_error(e: TagWriteError) -> ApiError {
    match e {
        TagWriteError::NameTaken => {
            let mut errors = FieldErrors::default();
            errors.add("name", e.to_string());
            ApiError::Invalid(errors)
        }
        TagWriteError::Internal(e) => ApiError::Internal(e),
    }
}

fn tag_id(raw: &str) -> Result<TagId, ApiError> {
    raw.parse().map(TagId).map_err(|_| ApiError::NotFound)
}
