//! Endpoints of the control plane: the seat limit, the 360Dialog key and a fresh activation code,
//! which only it changes.

use super::error::ApiError;
use super::extract::{ApiJson, Platform};
use crate::bootstrap::{PlatformActivation, PlatformSettings, ALREADY_ACTIVATED};
use crate::domain::{FieldErrors, SeatLimit};
use crate::provision::d360_settings;
use crate::secret::SecretDigest;
use crate::state::AppState;
use crate::store::Rearmed;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct SettingsView {
    max_number_of_seats: u32,
    seats_in_use: u32,
    d360_api_key_hint: Option<String>,
    /// 360Dialog refused the key since it last accepted it: the platform checks it at once.
    d360_key_rejected: bool,
    /// Messages still to send: the platform keeps the instance awake.
    pending_work: bool,
}

pub async fn show(
    State(state): State<AppState>,
    _: Platform,
) -> Result<Json<SettingsView>, ApiError> {
    current(&state).await
}

/// Applies the seat limit and the key together; a lower limit keeps every user (see `SeatLimit`).
pub async fn update(
    State(state): State<AppState>,
    _: Platform,
    ApiJson(settings): ApiJson<PlatformSettings>,
) -> Result<Json<SettingsView>, ApiError> {
    let mut errors = FieldErrors::default();
    let seats = settings
        .max_number_of_seats
        .and_then(|n| errors.check("max_number_of_seats", SeatLimit::new(i64::from(n))));
    let d360 = settings.d360.as_ref().map(d360_settings);
    if d360.as_ref().is_some_and(|d| d.api_key.trim().is_empty()) {
        errors.add("d360", "The API key may not be blank.");
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    if d360.is_some() {
        // A refusal of the old key says nothing about the new one.
        state.messaging.key_accepted();
    }
    state
        .store
        .update_platform_settings(seats, d360.as_ref())
        .await?;
    tracing::info!(seats = ?seats.map(SeatLimit::get), d360_changed = d360.is_some(), "platform settings applied");
    current(&state).await
}

async fn current(state: &AppState) -> Result<Json<SettingsView>, ApiError> {
    let settings = state.store.platform_settings().await?;
    Ok(Json(SettingsView {
        max_number_of_seats: settings.max_number_of_seats.get(),
        seats_in_use: state.store.seats_in_use().await?,
        d360_api_key_hint: settings.d360.as_ref().map(|d| d.api_key_hint()),
        d360_key_rejected: state.messaging.is_key_rejected(),
        pending_work: state.store.outbox_len().await? > 0,
    }))
}

/// `PUT /api/v1/platform/activation`: the partner asked for a fresh link; the old one stops
/// working. Refused with 409 once the admin has chosen a password.
pub async fn rearm_activation(
    State(state): State<AppState>,
    _: Platform,
    ApiJson(fresh): ApiJson<PlatformActivation>,
) -> Result<StatusCode, ApiError> {
    let Some(code) = SecretDigest::parse_hex(&fresh.activation_code_sha256) else {
        let mut errors = FieldErrors::default();
        errors.add("activation_code_sha256", "Enter a SHA-256 digest in hex.");
        return Err(ApiError::Invalid(errors));
    };
    match state
        .store
        .rearm_unused_activation(&code, fresh.activation_expires_at)
        .await?
    {
        Rearmed::Armed => {
            tracing::info!("a fresh activation code from the platform is armed");
            Ok(StatusCode::NO_CONTENT)
        }
        Rearmed::AlreadyActivated => Err(ApiError::Conflict(ALREADY_ACTIVATED)),
    }
}
