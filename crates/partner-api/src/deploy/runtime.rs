//! Making an instance run on the driver from what the database says about it.

use super::driver::{DriverError, Endpoint};
use super::spec::{self, InstanceTokens};
use super::step::Step;
use super::Deployer;
use crate::domain::DeploymentError;
use crate::store::instances::Instance;
use crate::store::{deployments, partners};
use anyhow::anyhow;

/// Starts the instance if it does not run, records where it runs, and answers that.
pub async fn ensure_running(ctx: &Deployer, instance: &Instance) -> Result<Endpoint, Step> {
    let partner = partners::get(&ctx.db, &instance.partner_id)
        .await?
        .ok_or_else(|| anyhow!("partner {} is gone", instance.partner_id))?;
    let messaging_url = partner.hub.map(|h| h.messaging_url).unwrap_or_default();
    let (configurator_token, platform_token) = deployments::ensure_tokens(
        &ctx.db,
        &instance.id,
        instance.configurator_user_name.is_some(),
    )
    .await?;
    let secrets = deployments::secrets(&ctx.db, &instance.id).await?;
    let tokens = InstanceTokens {
        activation_code: &secrets.activation_code,
        configurator_token: configurator_token.as_deref(),
        platform_token: &platform_token,
    };
    let spec = spec::build(
        ctx,
        instance,
        secrets.d360_api_key.as_ref(),
        &messaging_url,
        &tokens,
    );
    let endpoint = ctx.driver.ensure(&spec).await.map_err(|e| match e {
        DriverError::NeedsOperator(details) => Step::failed(DeploymentError::deployment_failed(
            instance.id.as_str(),
            &details,
        )),
        e => Step::Retry(anyhow::Error::new(e)),
    })?;
    if instance.endpoint.as_deref() != Some(endpoint.as_str()) {
        deployments::set_endpoint(&ctx.db, &instance.id, Some(&endpoint)).await?;
    }
    Ok(endpoint)
}
