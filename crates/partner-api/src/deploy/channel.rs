//! The instance's WhatsApp channel at 360Dialog: the number it serves (from its channel ID and
//! its key, claimed so that one live instance holds it) and the registration of its inbound
//! webhook. Used by the deployment and by the update that brings a new key.

use super::spec::inbound_webhook_secret;
use super::step::Step;
use super::Deployer;
use crate::d360::PhoneNumber;
use crate::domain::{ChannelId, D360ApiKey, DeploymentError};
use crate::store::deployments;
use crate::store::instances::Instance;
use crate::store::partners::HubCredentials;
use instance_contract::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};

pub fn channel_of(instance: &Instance) -> Result<Option<ChannelId>, Step> {
    let channel = instance
        .channel_id
        .as_deref()
        .map(ChannelId::parse)
        .transpose();
    Ok(channel.map_err(anyhow::Error::msg)?)
}

/// Registers the instance with 360Dialog as the receiver of its number's messages and statuses,
/// with the secret header that proves a webhook is 360Dialog's. Registering again is harmless.
pub async fn register_inbound(
    ctx: &Deployer,
    instance: &Instance,
    hub: &HubCredentials,
    key: &D360ApiKey,
    platform_token: &str,
) -> Result<(), Step> {
    let url = format!(
        "{}{INBOUND_WEBHOOK_PATH}",
        ctx.urls.origin(&instance.subdomain)
    );
    let secret = inbound_webhook_secret(platform_token);
    ctx.d360
        .register_webhook(
            &hub.messaging_url,
            key,
            &url,
            &[(INBOUND_SECRET_HEADER, &secret)],
        )
        .await
        .map_err(|e| Step::from_d360(e, &instance.id, instance.channel_id.as_deref()))
}

/// The number the instance will serve: the channel's, the key's, and when both are given they
/// must be the same number.
pub async fn phone_number(
    ctx: &Deployer,
    instance: &Instance,
    hub: &HubCredentials,
    channel: Option<&ChannelId>,
    key: Option<&D360ApiKey>,
) -> Result<PhoneNumber, Step> {
    let channel_str = channel.map(ChannelId::as_str);
    let from_d360 = |e| Step::from_d360(e, &instance.id, channel_str);
    let key_number = match key {
        Some(key) => Some(
            ctx.d360
                .key_phone_number(&hub.messaging_url, key)
                .await
                .map_err(from_d360)?,
        ),
        None => None,
    };
    let channel_number = match channel {
        Some(channel) => Some(
            ctx.d360
                .channel_phone_number(hub, channel)
                .await
                .map_err(from_d360)?,
        ),
        None => None,
    };
    match (key_number, channel_number) {
        (Some(k), Some(c)) if k != c => Err(Step::failed(DeploymentError::invalid_api_key(
            channel_str,
            &format!(
                "The 360Dialog API key does not belong to channel ID {}.",
                channel_str.unwrap_or_default()
            ),
        ))),
        (Some(number), _) | (None, Some(number)) => Ok(number),
        (None, None) => Err(Step::failed(DeploymentError::deployment_failed(
            instance.id.as_str(),
            "Neither a channel ID nor a 360Dialog API key was given.",
        ))),
    }
}

/// Claims the number for the instance, or fails with 701 when a live instance holds it.
pub async fn claim(ctx: &Deployer, instance: &Instance, number: &PhoneNumber) -> Result<(), Step> {
    if deployments::claim_phone_number(&ctx.db, &instance.id, number).await? {
        return Ok(());
    }
    let channel = match &instance.channel_id {
        Some(channel) => channel.clone(),
        None => deployments::channel_holding_number(&ctx.db, number)
            .await?
            .unwrap_or_default(),
    };
    Err(Step::failed(DeploymentError::number_already_deployed(
        &channel,
    )))
}
