//! What a run of a job reads from the database besides the instance row, once, and passes down:
//! the partner's 360Dialog credentials and the instance's secrets, its tokens made on first use.

use super::spec::InstanceTokens;
use super::step::Step;
use super::Deployer;
use crate::domain::{D360ApiKey, DeploymentError};
use crate::store::deployments;
use crate::store::instances::Instance;
use crate::store::partners::{self, HubCredentials};
use anyhow::anyhow;

pub struct Inputs {
    /// `None` until the operator sets the partner's credentials (`partners set-hub`).
    hub: Option<HubCredentials>,
    /// The key the instance runs with; a step that stores a new one sets it here too.
    pub d360_api_key: Option<D360ApiKey>,
    pub activation_code: String,
    pub configurator_token: Option<String>,
    pub platform_token: String,
}

impl Inputs {
    pub async fn load(ctx: &Deployer, instance: &Instance) -> anyhow::Result<Self> {
        let partner = partners::get(&ctx.db, &instance.partner_id)
            .await?
            .ok_or_else(|| anyhow!("partner {} is gone", instance.partner_id))?;
        let with_configurator = instance.configurator_user_name.is_some();
        let (secrets, platform_token) =
            deployments::secrets_with_tokens(&ctx.db, &instance.id, with_configurator).await?;
        Ok(Self {
            hub: partner.hub,
            d360_api_key: secrets.d360_api_key,
            activation_code: secrets.activation_code,
            configurator_token: secrets.configurator_token,
            platform_token,
        })
    }

    /// The partner's 360Dialog credentials, or the 704 that tells the operator to set them.
    pub fn hub(&self, instance: &Instance) -> Result<HubCredentials, Step> {
        self.hub.clone().ok_or_else(|| {
            Step::failed(DeploymentError::deployment_failed(
                instance.id.as_str(),
                "The partner has no 360Dialog hub credentials; the operator must set them.",
            ))
        })
    }

    /// Where the instance sends messages; empty while the partner has no credentials.
    pub fn messaging_url(&self) -> &str {
        self.hub.as_ref().map_or("", |h| h.messaging_url.as_str())
    }

    pub fn tokens(&self) -> InstanceTokens<'_> {
        InstanceTokens {
            activation_code: &self.activation_code,
            configurator_token: self.configurator_token.as_deref(),
            platform_token: &self.platform_token,
        }
    }
}
