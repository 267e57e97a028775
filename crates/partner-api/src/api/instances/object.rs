//! The instance object of the contract: the create answer's fields plus its state.

use crate::domain::{DeploymentError, InstanceStatus};
use crate::public_urls::PublicUrls;
use crate::store::instances::Instance;
use crate::store::Db;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct InstanceObject {
    #[schema(example = "167c42d61ed64feb97d3a32508d811a8")]
    pub id: String,
    #[schema(example = "mycompany-test.inbox.localhost")]
    pub base_domain: String,
    #[schema(example = "http://mycompany-test.inbox.localhost:8080/api/v1/status/health")]
    pub health_check: String,
    pub channel_id: Option<String>,
    #[schema(example = "sandbox")]
    pub partner_id: String,
    /// Present only for instances created with `generate_activation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_url: Option<String>,
    pub subdomain: String,
    pub status: InstanceStatus,
    pub max_number_of_seats: i64,
    pub admin_email: Option<String>,
    pub configurator_user_name: Option<String>,
    /// The last four characters of the 360Dialog API key; the key itself is never returned.
    pub d360_api_key_hint: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub ready_at: Option<String>,
    pub deleted_at: Option<String>,
    /// The errors of the last deployment or update, as sent in the `errors` event.
    pub errors: Vec<DeploymentError>,
}

impl InstanceObject {
    pub fn new(instance: &Instance, urls: &PublicUrls, db: &Db) -> anyhow::Result<Self> {
        let activation_url = if instance.generate_activation {
            let code = db.secrets().open(&instance.activation_code_sealed)?;
            Some(urls.activation_url(&instance.subdomain, &code))
        } else {
            None
        };
        Ok(Self {
            id: instance.id.to_string(),
            base_domain: urls.host(&instance.subdomain),
            health_check: urls.health_check(&instance.subdomain),
            channel_id: instance.channel_id.clone(),
            partner_id: instance.partner_id.to_string(),
            activation_url,
            subdomain: instance.subdomain.to_string(),
            status: instance.status,
            max_number_of_seats: instance.max_number_of_seats,
            admin_email: instance.admin_email.clone(),
            configurator_user_name: instance.configurator_user_name.clone(),
            d360_api_key_hint: instance.d360_api_key_hint.clone(),
            created_at: instance.created_at.rfc3339(),
            ready_at: instance.ready_at.map(|t| t.rfc3339()),
            deleted_at: instance.deleted_at.map(|t| t.rfc3339()),
            errors: instance.errors.clone(),
        })
    }
}
