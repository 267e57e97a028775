//! The instance object of the contract: the create answer's fields plus its state.

use super::create::CreatedInstance;
use crate::deploy::sleep::is_asleep;
use crate::domain::{DeploymentError, InstanceStatus};
use crate::public_urls::PublicUrls;
use crate::store::instances::Instance;
use crate::store::Db;
use serde::Serialize;
use utoipa::ToSchema;

/// The create answer's fields, then the instance's state.
#[derive(Serialize, ToSchema)]
pub struct InstanceObject {
    #[serde(flatten)]
    pub created: CreatedInstance,
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
    /// The errors of the last deployment or update, as sent in the `errors` event, and a 702
    /// while 360Dialog rejects the stored key (the instance stays `ready`).
    pub errors: Vec<DeploymentError>,
    /// Extension: whether the instance runs now. A ready instance nobody used for
    /// `--instance-idle-seconds` sleeps (it is stopped, its data kept) and wakes on its next
    /// request; `false` before it is ready and after it failed or was deleted.
    pub awake: bool,
    /// Extension: the Swarm node the instance runs on, where its data is (swarm driver); `null`
    /// on the other drivers and before it first ran.
    pub node: Option<String>,
    /// Extension: why the router cannot reach the instance now (its node is down: the router
    /// answers 503 and it serves again when the node is back); `null` while it can.
    pub unavailable: Option<String>,
}

impl InstanceObject {
    pub fn new(instance: &Instance, urls: &PublicUrls, db: &Db) -> anyhow::Result<Self> {
        let activation_code = instance
            .generate_activation
            .then(|| db.secrets().open(&instance.activation_code_sealed))
            .transpose()?;
        Ok(Self {
            created: CreatedInstance::new(
                urls,
                &instance.id,
                &instance.subdomain,
                instance.channel_id.clone(),
                &instance.partner_id,
                activation_code.as_deref(),
            ),
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
            awake: instance.status.wants_running() && !is_asleep(instance),
            node: instance.node.clone(),
            unavailable: instance
                .status
                .wants_running()
                .then(|| instance.unavailable.clone())
                .flatten(),
        })
    }
}
