//! The number itself: `whatsapp_accounts/` and the profile photo.

use super::error::ApiError;
use super::extract::Caller;
use super::pagination::{Page, PageQuery};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};

pub async fn whatsapp_accounts(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<PageQuery>,
) -> Json<Page<Value>> {
    let accounts: Vec<Value> = state
        .identity
        .phone_number
        .iter()
        .map(|number| json!({"phone_number": number, "this_instance": true}))
        .collect();
    let url = format!("{}/api/v1/whatsapp_accounts/", state.identity.public_origin);
    Json(Page::new(&url, &query, accounts.len() as u32, accounts))
}

/// No profile photo is kept: `404`, which get.chat's front-end takes as "none".
pub async fn profile_photo(_caller: Caller) -> ApiError {
    ApiError::NotFound
}
