//! The partner's signing secret (*extension*, contract section 3).

use super::auth::Partner;
use super::error::ApiError;
use super::AppState;
use crate::domain::Timestamp;
use crate::store::partners;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// How long the secret a rotation replaces still signs events, beside the new one.
const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;

#[derive(Serialize, ToSchema)]
pub struct WebhookSecret {
    /// `whsec_` + base64 of 32 random bytes; the HMAC key is the decoded bytes.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    secret: String,
}

/// Get Webhook Secret (*extension*): the secret that signs this partner's events (Standard Webhooks).
#[utoipa::path(get, path = "/v1/webhook_secret", tag = "events", security(("APIKey" = [])),
    responses((status = 200, body = WebhookSecret)))]
pub async fn get(
    State(state): State<AppState>,
    Partner(partner): Partner,
) -> Result<Json<WebhookSecret>, ApiError> {
    let secrets = partners::webhook_secrets(&state.db, &partner)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(WebhookSecret {
        secret: secrets.current,
    }))
}

/// Rotate Webhook Secret (*extension*): a new secret signs events from now on; for 24 hours every
/// event also carries a signature with the old one (`webhook-signature` lists both, space-separated).
#[utoipa::path(post, path = "/v1/webhook_secret/rotate", tag = "events", security(("APIKey" = [])),
    responses((status = 200, body = WebhookSecret)))]
pub async fn rotate(
    State(state): State<AppState>,
    Partner(partner): Partner,
) -> Result<Json<WebhookSecret>, ApiError> {
    let until = Timestamp::now().plus_millis(ROTATION_OVERLAP_MS);
    let secret = partners::rotate_webhook_secret(&state.db, &partner, until)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(WebhookSecret { secret }))
}
