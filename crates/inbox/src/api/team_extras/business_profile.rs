//! `GET`/`PATCH settings/business/profile/`: the number's WhatsApp business profile, which lives
//! at 360Dialog (`/whatsapp_business_profile` of the Cloud API hosting). Reading asks 360Dialog
//! and keeps the copy; when 360Dialog cannot be reached the last copy is shown. A change goes to
//! 360Dialog first and is kept only once 360Dialog accepted it. Everyone of the team reads it;
//! admins and the configurator change it.

use crate::api::extract::{ApiJson, Caller};
use crate::api::ApiError;
use crate::clock;
use crate::domain::{ProfileChange, PROFILE_FIELDS};
use crate::messaging::d360::D360Error;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{Map, Value};

pub async fn show(State(state): State<AppState>, _caller: Caller) -> Result<Json<Value>, ApiError> {
    match fetch(&state).await {
        Ok(profile) => Ok(Json(view(&profile))),
        Err(failure) => match state.store.business_profile().await? {
            Some(kept) => {
                tracing::warn!(error = %failure, "business profile: showing the last copy");
                Ok(Json(view(&kept)))
            }
            None => Err(failure.into_api("read")),
        },
    }
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    caller.require_user_manager()?;
    let change = ProfileChange::parse(&body).map_err(ApiError::Invalid)?;
    if change.is_empty() {
        return show(State(state), caller).await;
    }
    let settings = settings(&state).await?;
    state
        .messaging
        .d360
        .update_business_profile(&settings, &change.cloud_api_body())
        .await
        .map_err(|e| Failure::from_d360(&state, e).into_api("changed"))?;
    // 360Dialog's own copy is the truth; if it cannot be read back, the change over the last copy.
    let profile = match fetch(&state).await {
        Ok(profile) => profile,
        Err(_) => {
            let kept = state.store.business_profile().await?;
            let profile = change.applied_to(&kept.unwrap_or_else(|| Value::Object(Map::new())));
            state
                .store
                .keep_business_profile(&profile, clock::now())
                .await?;
            profile
        }
    };
    tracing::info!(by = caller.0.username.as_str(), "business profile changed");
    Ok(Json(view(&profile)))
}

/// get.chat's profile: its six fields, `websites` a list, the others a string or null.
fn view(profile: &Value) -> Value {
    let mut view = Map::new();
    for field in PROFILE_FIELDS {
        let value = profile.get(field).cloned().unwrap_or(Value::Null);
        let value = match (field, value) {
            ("websites", Value::Null) => Value::Array(vec![]),
            (_, value) => value,
        };
        view.insert(field.into(), value);
    }
    Value::Object(view)
}

/// Asks 360Dialog for the profile and keeps the copy.
async fn fetch(state: &AppState) -> Result<Value, Failure> {
    let settings = settings(state).await.map_err(|_| Failure::NotConfigured)?;
    let profile = state
        .messaging
        .d360
        .business_profile(&settings)
        .await
        .map_err(|e| Failure::from_d360(state, e))?;
    state
        .store
        .keep_business_profile(&profile, clock::now())
        .await
        .map_err(Failure::Internal)?;
    Ok(profile)
}

async fn settings(state: &AppState) -> Result<crate::store::D360Settings, ApiError> {
    let settings = state.store.platform_settings().await?.d360;
    settings.ok_or_else(|| Failure::NotConfigured.into_api("changed"))
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("no 360Dialog connection is configured")]
    NotConfigured,
    #[error(transparent)]
    D360(D360Error),
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl Failure {
    fn from_d360(state: &AppState, e: D360Error) -> Self {
        match &e {
            D360Error::KeyRejected => state.messaging.key_rejected(),
            D360Error::Refused { .. } => {}
            _ => tracing::warn!(error = %e, "business profile at 360Dialog"),
        }
        Self::D360(e)
    }

    /// What the person is told; `done` is "read" or "changed".
    fn into_api(self, done: &str) -> ApiError {
        let (status, detail) = match self {
            Self::Internal(e) => return ApiError::Internal(e),
            Self::NotConfigured => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("This instance is not connected to 360Dialog yet: the business profile cannot be {done}."),
            ),
            Self::D360(D360Error::Unavailable(_)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("360Dialog cannot be reached right now: the business profile was not {done}. Try again in a few minutes."),
            ),
            Self::D360(D360Error::KeyRejected) => (
                StatusCode::BAD_GATEWAY,
                format!("360Dialog refused this instance's API key: the business profile was not {done}. Ask your provider to renew the key."),
            ),
            Self::D360(D360Error::Refused { details, .. }) => (
                StatusCode::BAD_REQUEST,
                format!("360Dialog refused the business profile: {details}"),
            ),
            Self::D360(D360Error::Unexpected(_)) => (
                StatusCode::BAD_GATEWAY,
                format!("360Dialog gave an unexpected answer: the business profile was not {done}."),
            ),
        };
        ApiError::UpstreamFailed { status, detail }
    }
}

/// `GET settings/profile/about/`: the profile's About text in get.chat's (and the on-premise
/// API's) shape `{"settings":{"profile":{"about":{"text"}}}}`.
pub async fn about(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let Json(profile) = show(State(state), caller).await?;
    Ok(Json(about_view(&profile)))
}

/// `PATCH settings/profile/about/` `{"text"}`: changes the About text as the profile's `about`.
pub async fn update_about(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let text = body.get("text").cloned().unwrap_or(Value::Null);
    let mut change = Map::new();
    change.insert("about".into(), text);
    let Json(profile) = update(State(state), caller, ApiJson(Value::Object(change))).await?;
    Ok(Json(about_view(&profile)))
}

fn about_view(profile: &Value) -> Value {
    let text = profile.get("about").cloned().unwrap_or(Value::Null);
    serde_json::json!({"settings": {"profile": {"about": {"text": text}}}})
}
