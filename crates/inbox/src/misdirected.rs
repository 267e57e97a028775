//! Refuses a request the control plane's router meant for another instance (421). After a restart
//! an engine may hand this instance a port another instance had, and a stale route must never
//! reach another tenant's inbox.

use crate::bootstrap::ROUTED_INSTANCE_HEADER;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub async fn refuse_misdirected(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let meant_for = req.headers().get(ROUTED_INSTANCE_HEADER);
    if meant_for.is_some_and(|id| id.as_bytes() != state.identity.instance_id.as_bytes()) {
        let detail = "This request was meant for another instance.";
        return (
            StatusCode::MISDIRECTED_REQUEST,
            Json(json!({"detail": detail})),
        )
            .into_response();
    }
    next.run(req).await
}
