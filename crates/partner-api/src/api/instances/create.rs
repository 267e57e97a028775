//! `POST /v1/instances`: Create Instance.

use crate::api::auth::Partner;
use crate::api::body::JsonBody;
use crate::api::error::ApiError;
use crate::api::{idempotency, AppState};
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

/// The request of Create Instance, as documented. Unknown fields are ignored.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CreateInstanceBody {
    /// Required if `d360_api_key` is absent. 360Dialog channel ID to connect; the platform collects a
    /// new 360Dialog API Key for it (the previous key of the channel stops working).
    #[schema(example = "ChAnElCH", max_length = 64)]
    channel_id: Option<String>,
    /// Required if `channel_id` is absent. An existing 360Dialog API Key to deploy with; with both,
    /// the key must belong to the channel.
    d360_api_key: Option<String>,
    /// RFC 1035 label (1–63 letters, digits, hyphens; starts with a letter), case-insensitive,
    /// unique. Blank: the instance id is used.
    #[schema(example = "mycompany-test", max_length = 63)]
    subdomain: Option<String>,
    /// Admin user name; the activation e-mail goes here when the instance is ready.
    #[schema(example = "user@example.com")]
    admin_email: Option<String>,
    /// Return an `activation_url`, usable once the instance is ready.
    #[schema(default = false)]
    generate_activation: Option<bool>,
    configurator: Option<ConfiguratorBody>,
    /// Most human users (admins and agents) at once: 1 to 1000.
    #[schema(default = 5, minimum = 1, maximum = 1000)]
    max_number_of_seats: Option<i64>,
}

/// The Configurator User: a service account that receives the `token` event.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ConfiguratorBody {
    #[schema(example = "service_account")]
    user_name: String,
    /// Absolute http or https URL that receives the asynchronous events.
    #[schema(example = "https://example.com/webhook")]
    webhook_url: String,
    /// Sent with every event (they cannot replace Content-Type, Host, Content-Length or the signature headers).
    webhook_headers: Option<std::collections::BTreeMap<String, String>>,
}

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
    params(("Idempotency-Key" = Option<String>, Header, description = "extension: a retry with the same key returns the first answer instead of a second instance")),
    request_body = CreateInstanceBody,
    responses(
        (status = 200, body = CreatedInstance),
        (status = 401, description = "Not authenticated"),
        (status = 409, description = "A request with the same Idempotency-Key is still running"),
        (status = 413, description = "Body over 64 KiB"),
        (status = 422, description = "Invalid input, every problem listed; or subdomain already in use"),
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
