//! `POST /v1/instances/{id}/activation` (extension): a fresh activation link for an instance
//! whose admin never chose a password, for a link that expired, was lost or went to the wrong
//! person. The old link stops working; with `admin_email` the e-mail is sent again.

use crate::api::auth::Partner;
use crate::api::error::{ApiError, Detail};
use crate::api::AppState;
use crate::deploy::activation_link::{reissue as reissue_link, Reissue, EMAILS_PER_HOUR};
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ActivationLink {
    /// Opens the page where the admin chooses a password; valid for `--activation-ttl-hours`.
    activation_url: String,
}

/// New activation link (extension): replaces the admin's unused activation code.
#[utoipa::path(post, path = "/v1/instances/{id}/activation", tag = "instances", security(("APIKey" = [])),
    params(("id" = String, Path, description = "Instance id")),
    responses((status = 200, body = ActivationLink),
        (status = 404, body = Detail, description = "Instance not found"),
        (status = 409, body = Detail, description = "The instance is not ready, or its admin has already chosen a password"),
        (status = 429, body = Detail, headers(("Retry-After" = u64, description = "seconds")), description = "Its admin was e-mailed 5 links in the last hour; `Retry-After` says when to ask again"),
        (status = 503, body = Detail, description = "The instance did not answer; nothing changed")))]
pub async fn reissue(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(raw_id): Path<String>,
) -> Result<Json<ActivationLink>, ApiError> {
    let id = super::instance_id(&raw_id)?;
    match reissue_link(&state.deployer, &partner, &id).await? {
        Reissue::Issued { activation_url } => Ok(Json(ActivationLink { activation_url })),
        Reissue::NotFound => Err(ApiError::InstanceNotFound),
        Reissue::NotReady(status) => Err(ApiError::Conflict(format!(
            "The instance is {}; a new activation link can be issued once it is ready",
            status.as_str()
        ))),
        Reissue::AlreadyActivated => Err(ApiError::Conflict(
            "The admin of this instance has already chosen a password; they sign in with it".into(),
        )),
        Reissue::InstanceUnavailable => Err(ApiError::InstanceUnavailable),
        Reissue::TooSoon { retry_after_secs } => Err(ApiError::TooSoon {
            detail: format!(
                "The admin was sent {EMAILS_PER_HOUR} activation e-mails in the last hour; ask again later"
            ),
            retry_after_secs,
        }),
    }
}
