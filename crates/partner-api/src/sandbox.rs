//! The sandbox partner of the documentation.

use crate::d360::emulator;
use crate::domain::PartnerId;
use crate::store::partners::HubCredentials;
use crate::store::{api_keys, partners, Db};

pub const PARTNER_ID: &str = "sandbox";
/// The key the public documentation gives for the sandbox.
pub const API_KEY: &str = "LRoWRCjm1bdwlqDjfdYw";

/// With the sandbox on, its partner and key exist, it reaches 360Dialog through the emulator
/// served at `api_origin` (its instances at `origin_for_instances`), and it may send webhooks to
/// this machine; with it off, the documented key stops working.
pub async fn apply(
    db: &Db,
    enabled: bool,
    api_origin: &str,
    origin_for_instances: &str,
) -> anyhow::Result<()> {
    let partner = PartnerId::parse(PARTNER_ID).map_err(anyhow::Error::msg)?;
    if enabled {
        partners::create(db, &partner).await?;
        partners::set_allow_loopback_webhooks(db, &partner, true).await?;
        let hub = HubCredentials {
            hub_url: emulator::hub_url(api_origin),
            hub_partner_id: emulator::HUB_PARTNER_ID.to_owned(),
            hub_api_key: emulator::HUB_API_KEY.to_owned(),
            messaging_url: emulator::messaging_url(origin_for_instances),
        };
        partners::set_hub(db, &partner, &hub).await?;
        api_keys::ensure(db, &partner, API_KEY).await?;
        api_keys::set_revoked_by_key(db, API_KEY, false).await?;
    } else {
        api_keys::set_revoked_by_key(db, API_KEY, true).await?;
    }
    Ok(())
}
