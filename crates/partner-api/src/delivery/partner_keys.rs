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

/// The keys of every partner in `partner_ids`, read once per batch of claimed events.
pub async fn load(
    delivery: &Delivery,
    partner_ids: &[PartnerId],
) -> anyhow::Result<HashMap<PartnerId, Arc<PartnerKeys>>> {
    let mut keys = HashMap::new();
    for id in partner_ids {
        if keys.contains_key(id) {
            continue;
        }
        let db = delivery.db();
        let partner = partners::get(db, id)
            .await?
            .with_context(|| format!("partner {id} of a queued event"))?;
        let stored = partners::webhook_secrets(db, id)
            .await?
            .with_context(|| format!("secrets of partner {id}"))?;
        let now = Timestamp::now();
        let previous = stored
            .previous
            .filter(|(_, until)| *until > now)
            .map(|(secret, _)| secret);
        let secrets = std::iter::once(stored.current)
            .chain(previous)
            .map(|raw| {
                SigningSecret::parse(&raw)
                    .with_context(|| format!("a stored secret of partner {id} is malformed"))
            })
            .collect::<anyhow::Result<_>>()?;
        let client = if partner.allow_loopback_webhooks {
            delivery.inner.loopback.clone()
        } else {
            delivery.inner.strict.clone()
        };
        keys.insert(id.clone(), Arc::new(PartnerKeys { secrets, client }));
    }
    Ok(keys)
}
