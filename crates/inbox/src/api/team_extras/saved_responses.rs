//! `saved_responses/`: canned answers the whole team shares. Anyone of the team adds them; their
//! author, an admin or the configurator deletes them.

use super::fields::{invalid, required_str};
use crate::api::extract::{ApiJson, Caller};
use crate::api::pagination::{Page, PageQuery};
use crate::api::ApiError;
use crate::clock;
use crate::state::AppState;
use crate::store::SavedResponse;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

/// WhatsApp's longest text message: a saved response longer than that could not be sent.
const MAX_TEXT_CHARS: usize = 4096;
const NOT_YOURS: &str = "Only its author or an admin may delete a saved response.";

fn view(saved: &SavedResponse) -> Value {
    json!({
        "id": saved.id,
        "text": saved.text,
        "created_by": saved.created_by.map(|u| u.0),
        "timestamp": saved.created_at,
    })
}

pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    let (count, saved) = state
        .store
        .saved_responses_page(query.limit(), query.offset())
        .await?;
    let url = format!("{}/api/v1/saved_responses/", state.identity.public_origin);
    Ok(Json(Page::new(
        &url,
        &query,
        count,
        saved.iter().map(view).collect(),
    )))
}

pub async fn create(
    State(state): State<AppState>,
    Caller(user): Caller,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let text = required_str(&body, "text")?;
    if text.trim().is_empty() {
        return Err(invalid("text", "This field may not be blank."));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        let message = format!("Ensure this field has no more than {MAX_TEXT_CHARS} characters.");
        return Err(invalid("text", &message));
    }
    let saved = state
        .store
        .add_saved_response(text, user.id, clock::now())
        .await?;
    Ok((StatusCode::CREATED, Json(view(&saved))))
}

pub async fn destroy(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let saved = state
        .store
        .saved_response(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if saved.created_by != Some(user.id) && !user.role.manages_users() {
        return Err(ApiError::Forbidden(NOT_YOURS));
    }
    if !state.store.delete_saved_response(id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
