//! `POST /v1/instances`: Create Instance.

use crate::api::auth::Partner;
use crate::api::body::JsonBody;
use crate::api::error::{ApiError, ValidationErrors};
use crate::api::idempotency::{self, IdempotencyKey};
use crate::api::AppState;
use crate::domain::{CreateInstance, FieldIssue, InstanceId, PartnerId, Subdomain};
use crate::public_urls::PublicUrls;
use crate::store::idempotency::{Claimed, Record};
use crate::store::instances::{self, InsertError, NewInstance};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CreatedInstance {
    #[schema(example = "167c42d61ed64feb97d3a32508d811a8")]
    pub id: String,
    #[schema(example = "mycompany-test.inbox.localhost")]
    pub base_domain: String,
    #[schema(example = "http://mycompany-test.inbox.localhost:8080/api/v1/status/health")]
    pub health_check: String,
    pub channel_id: Option<String>,
    #[schema(example = "sandbox")]
    pub partner_id: String,
    /// Present only with `generate_activation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_url: Option<String>,
}

impl CreatedInstance {
    /// The answer for an instance; `activation_code` only when the partner asked for the URL.
    pub fn new(
        urls: &PublicUrls,
        id: &InstanceId,
        subdomain: &Subdomain,
        channel_id: Option<String>,
        partner: &PartnerId,
        activation_code: Option<&str>,
    ) -> Self {
        Self {
            id: id.to_string(),
            base_domain: urls.host(subdomain),
            health_check: urls.health_check(subdomain),
            channel_id,
            partner_id: partner.to_string(),
            activation_url: activation_code.map(|code| urls.activation_url(subdomain, code)),
        }
    }
}

/// Create Instance: stores the instance and its deployment, then answers at once; the deployment
/// runs in the background and ends with the `token` (or `errors`) event.
#[utoipa::path(post, path = "/v1/instances", tag = "instances", security(("APIKey" = [])),
    params(IdempotencyKey),
    request_body = CreateInstance,
    responses(
        (status = 200, body = CreatedInstance),
        (status = 422, body = ValidationErrors, description = "Invalid input, every problem listed; or subdomain already in use"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Partner(partner): Partner,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let key = idempotency::key_of(&headers)?;
    let policy = state.webhook_policy(&partner).await?;
    let request = CreateInstance::parse(&body, &policy).map_err(ApiError::Validation)?;
    let request_line = "POST /v1/instances";
    idempotency::once_recorded(&state, &partner, key, request_line, &body, |claimed| {
        create_instance(&state, &partner, request, claimed)
    })
    .await
}

/// Stores the instance, its deployment job and the answer kept for its `Idempotency-Key` in one
/// transaction, and answers with the JSON text kept.
async fn create_instance(
    state: &AppState,
    partner: &PartnerId,
    request: CreateInstance,
    claimed: Option<Claimed>,
) -> Result<(StatusCode, String), ApiError> {
    let id = InstanceId::generate();
    let subdomain = request
        .subdomain
        .clone()
        .unwrap_or_else(|| Subdomain::from_instance_id(&id));
    let activation_code = uuid::Uuid::new_v4().to_string();
    let new = NewInstance {
        id: &id,
        partner_id: partner,
        subdomain: &subdomain,
        channel_id: request.channel_id.as_ref(),
        d360_api_key: request.d360_api_key.as_ref(),
        admin_email: request.admin_email.as_ref(),
        generate_activation: request.generate_activation,
        configurator: request.configurator.as_ref(),
        max_number_of_seats: request.max_number_of_seats,
        activation_code: &activation_code,
    };
    let activation_code_shown = request
        .generate_activation
        .then_some(activation_code.as_str());
    let channel_id = request.channel_id.as_ref().map(|c| c.as_str().to_owned());
    let answer = CreatedInstance::new(
        &state.urls,
        &id,
        &subdomain,
        channel_id,
        partner,
        activation_code_shown,
    );
    let text = serde_json::to_string(&answer).map_err(anyhow::Error::from)?;
    let record = claimed.as_ref().map(|claimed| Record {
        claimed,
        status: StatusCode::OK.as_u16(),
        body: &text,
    });
    match instances::create_with_deployment(&state.db, &new, record.as_ref()).await {
        Ok(()) => {}
        Err(InsertError::SubdomainTaken(taken)) => {
            // The documented payload, exactly: no "body" in the location.
            return Err(ApiError::Validation(vec![FieldIssue::new(
                vec![json!("subdomain")],
                format!("subdomain already in use: {taken}"),
                "string",
            )]));
        }
        Err(InsertError::Other(e)) => return Err(e.into()),
    }
    Ok((StatusCode::OK, text))
}
