//! What a webhook needs from its partner: the secrets to sign with and the addresses it may reach.

use super::outbound::SafeClient;
use super::signature::SigningSecret;
use super::Delivery;
use crate::domain::{PartnerId, Timestamp};
use crate::store::partners;
use anyhow::Context;
use std::collections::HashMap;
use std::sync::Arc;

pub struct PartnerKeys {
    /// The current secret, then the previous one while it is still in force.
    pub secrets: Vec<SigningSecret>,
    pub client: SafeClient,
}

/// The keys of every partner in `partner_ids`, read once per batch of claimed events. A partner
/// whose keys cannot be read is left out: its events' attempts fail and are retried on the
/// schedule, without holding up the other partners' events.
pub async fn load(
    delivery: &Delivery,
    partner_ids: &[PartnerId],
) -> HashMap<PartnerId, Arc<PartnerKeys>> {
    let mut keys = HashMap::new();
    for id in partner_ids {
        if keys.contains_key(id) {
            continue;
        }
        match load_one(delivery, id).await {
            Ok(partner) => {
                keys.insert(id.clone(), Arc::new(partner));
            }
            Err(e) => {
                tracing::error!(partner_id = %id, error = format!("{e:#}"), "signing keys unreadable")
            }
        }
    }
    keys
}

async fn load_one(delivery: &Delivery, id: &PartnerId) -> anyhow::Result<PartnerKeys> {
    let db = delivery.db();
    let partner = partners::get(db, id)
        .await?
        .context("the partner of a queued event")?;
    let stored = partners::webhook_secrets(db, id)
        .await?
        .context("the partner's secrets")?;
    let now = Timestamp::now();
    let previous = stored
        .previous
        .filter(|(_, until)| *until > now)
        .map(|(secret, _)| secret);
    let secrets = std::iter::once(stored.current)
        .chain(previous)
        .map(|raw| SigningSecret::parse(&raw).context("a stored secret is malformed"))
        .collect::<anyhow::Result<_>>()?;
    let client = if partner.allow_loopback_webhooks {
        delivery.inner.loopback.clone()
    } else {
        delivery.inner.strict.clone()
    };
    Ok(PartnerKeys { secrets, client })
}
