//! Who may call the emulator: a channel's live key for the messaging API, only the sandbox
//! partner for the customer simulator.

use super::refusal::Refusal;
use super::Emulator;
use crate::api::auth::Partner;
use crate::sandbox;
use crate::store::{sandbox_d360, Db};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The channel whose live key the request presents in `D360-API-KEY`.
pub struct KeyChannel(pub String);

impl FromRequestParts<Emulator> for KeyChannel {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &Emulator) -> Result<Self, Refusal> {
        let key = parts
            .headers
            .get("d360-api-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        sandbox_d360::channel_of_live_key(state.db(), key)
            .await?
            .map(Self)
            .ok_or(Refusal::InvalidKey)
    }
}

/// A 503 while a simulated outage of the channel lasts.
pub async fn unless_outage(db: &Db, channel_id: &str) -> Result<(), Refusal> {
    if sandbox_d360::outages::is_active(db, channel_id).await? {
        return Err(Refusal::Outage);
    }
    Ok(())
}

/// The sandbox partner, authenticated as the Partner API authenticates partners.
pub struct SandboxPartner;

impl FromRequestParts<Emulator> for SandboxPartner {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Emulator) -> Result<Self, Response> {
        let Partner(partner) = Partner::from_request_parts(parts, &state.app)
            .await
            .map_err(IntoResponse::into_response)?;
        if partner.as_str() != sandbox::PARTNER_ID {
            let refusal = Refusal::detail(
                StatusCode::FORBIDDEN,
                "Only the sandbox partner may use the customer simulator",
            );
            return Err(refusal.into_response());
        }
        Ok(Self)
    }
}
