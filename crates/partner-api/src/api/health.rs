//! `GET /`, `GET /v1/`: whether the service and its database answer.

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `healthy`, or `unhealthy` when the database does not answer.
    #[schema(example = "healthy")]
    status: &'static str,
}

async fn health(state: &AppState) -> (StatusCode, Json<Health>) {
    if state.db.ping().await {
        (StatusCode::OK, Json(Health { status: "healthy" }))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unhealthy",
            }),
        )
    }
}

/// Api Root (Health Check). No authorization needed.
#[utoipa::path(get, path = "/", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health, description = "The database does not answer")))]
pub async fn root(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    health(&state).await
}

/// Api Version 1 Root Health Check: an alias of `/` (also served at `/v1`).
#[utoipa::path(get, path = "/v1/", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health, description = "The database does not answer")))]
pub async fn v1_root(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    health(&state).await
}
