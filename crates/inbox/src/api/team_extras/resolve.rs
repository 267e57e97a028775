//! `PATCH chats/{wa_id}/resolve` `{"resolved": true|false}`: marks a conversation done, or opens
//! it again. The customer's next message opens it again by itself. Every change reaches the
//! connected clients as `{"chat_resolved": …}`.

use super::fields::required_bool;
use crate::api::extract::{Agent, ApiJson};
use crate::api::query::wa_id_in_path;
use crate::api::{views, ApiError};
use crate::messaging::chat_actions;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;

pub async fn resolve(
    State(state): State<AppState>,
    Agent(user): Agent,
    Path(wa_id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let wa_id = wa_id_in_path(&wa_id)?;
    // A chat the agent may not see answers as one that does not exist.
    if !state.store.chat_visible_to(&user, &wa_id).await? {
        return Err(ApiError::NotFound);
    }
    let resolved = required_bool(&body, "resolved")?;
    let chat = chat_actions::set_resolved(&state, &user, &wa_id, resolved)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(views::chat(&chat, &state.identity)))
}
