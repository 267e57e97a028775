use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

/// Answers as soon as the instance serves; the control plane polls it to learn that it is ready.
pub async fn health(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "status": "healthy", "instance_id": state.identity.instance_id }))
}
