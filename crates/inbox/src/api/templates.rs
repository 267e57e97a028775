//! `templates/`: the number's message templates, copied from 360Dialog.

use super::error::ApiError;
use super::extract::Caller;
use super::pagination::{Page, PageQuery};
use super::views;
use crate::messaging::templates::{refresh_in_background, sync_once};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    sync_once(&state).await;
    let (count, templates) = state
        .store
        .templates_page(query.limit(), query.offset())
        .await?;
    let url = format!("{}/api/v1/templates/", state.identity.public_origin);
    let results = templates.iter().map(views::template).collect();
    Ok(Json(Page::new(&url, &query, count, results)))
}

/// `POST templates/refresh/issue/`: starts copying the templates from 360Dialog again.
pub async fn refresh(State(state): State<AppState>, _caller: Caller) -> Json<Value> {
    refresh_in_background(&state);
    Json(json!({"currently_refreshing": true}))
}

pub async fn refresh_status(State(state): State<AppState>, _caller: Caller) -> Json<Value> {
    let running = state.messaging.templates_refreshing.load(Ordering::SeqCst);
    Json(json!({"currently_refreshing": running}))
}
