//! `PATCH` and `DELETE /v1/instances/{id}` (extensions): the documented ways to repair an
//! instance ("update … with a valid API Key", "remove the faulty instance").

use super::object::InstanceObject;
use crate::api::auth::Partner;
use crate::api::body::JsonBody;
use crate::api::error::{ApiError, Detail, ValidationErrors};
use crate::api::idempotency::{self, IdempotencyKey};
use crate::api::AppState;
use crate::domain::lifecycle::{accepted_in, Operation};
use crate::domain::{InstanceStatus, UpdateInstance};
use crate::store::lifecycle::{self, ChangeRefused};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// Update Instance (extension): replaces the 360Dialog key and/or the seat limit of the running
/// instance, asynchronously (`updating`, then `ready`). A `failed` instance is deployed again with
/// the change, and then receives its `token` event.
#[utoipa::path(patch, path = "/v1/instances/{id}", tag = "instances", security(("APIKey" = [])),
    params(("id" = String, Path, description = "Instance id"),
        IdempotencyKey),
    request_body = UpdateInstance,
    responses((status = 202, body = InstanceObject),
        (status = 404, body = Detail, description = "Instance not found"), (status = 409, body = Detail, description = "The instance is deploying, updating, deleting or deleted: only a ready or failed one accepts an update"),
        (status = 422, body = ValidationErrors, description = "Invalid input")))]
pub async fn update(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let key = idempotency::key_of(&headers)?;
    let id = super::instance_id(&raw_id)?;
    let UpdateInstance {
        d360_api_key,
        max_number_of_seats: seats,
    } = UpdateInstance::parse(&body).map_err(ApiError::Validation)?;
    let request = format!("PATCH /v1/instances/{id}");
    idempotency::once(&state, &partner, key, &request, &body, async {
        let instance =
            match lifecycle::begin_update(&state.db, &partner, &id, d360_api_key.as_ref(), seats)
                .await?
            {
                Ok(instance) => instance,
                Err(ChangeRefused::NotFound) => return Err(ApiError::InstanceNotFound),
                Err(ChangeRefused::NotIn(status)) => {
                    return Err(refused(status, Operation::Update))
                }
            };
        let mut object = InstanceObject::new(&instance, &state.urls, &state.db)?;
        // The row takes the new limit once the update is applied; the answer shows what was accepted.
        if let Some(seats) = seats {
            object.max_number_of_seats = i64::from(seats.get());
        }
        Ok((StatusCode::ACCEPTED, object))
    })
    .await
}

/// The 409 of a change the instance's status does not accept, naming the statuses that do.
fn refused(status: InstanceStatus, op: Operation) -> ApiError {
    let accepted: Vec<&str> = accepted_in(op).iter().map(|s| s.as_str()).collect();
    ApiError::Conflict(format!(
        "The instance is {}; only an instance that is {} accepts this change",
        status.as_str(),
        accepted.join(" or ")
    ))
}

/// Delete Instance (extension): tears the instance down and deletes its data. Its subdomain and
/// phone number are free for a new instance at once. Deleting again changes nothing.
#[utoipa::path(delete, path = "/v1/instances/{id}", tag = "instances", security(("APIKey" = [])),
    params(("id" = String, Path, description = "Instance id"),
        IdempotencyKey),
    responses((status = 202, body = InstanceObject),
        (status = 404, body = Detail, description = "Instance not found")))]
pub async fn delete(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = idempotency::key_of(&headers)?;
    let id = super::instance_id(&raw_id)?;
    let request = format!("DELETE /v1/instances/{id}");
    idempotency::once(&state, &partner, key, &request, &Value::Null, async {
        let instance = match lifecycle::begin_delete(&state.db, &partner, &id).await? {
            Ok(instance) => instance,
            Err(ChangeRefused::NotFound) => return Err(ApiError::InstanceNotFound),
            Err(ChangeRefused::NotIn(status)) => return Err(refused(status, Operation::Delete)),
        };
        let object = InstanceObject::new(&instance, &state.urls, &state.db)?;
        Ok((StatusCode::ACCEPTED, object))
    })
    .await
}
