//! The sandbox partner of the documentation.

use crate::domain::PartnerId;
use crate::store::{api_keys, partners, Db};

pub const PARTNER_ID: &str = "sandbox";
/// The key the public documentation gives for the sandbox.
pub const API_KEY: &str = "LRoWRCjm1bdwlqDjfdYw";

/// With the sandbox on, its partner and key exist and it may send webhooks to this machine;
/// with it off, the documented key stops working.
pub async fn apply(db: &Db, enabled: bool) -> anyhow::Result<()> {
    let partner = PartnerId::parse(PARTNER_ID).map_err(anyhow::Error::msg)?;
    if enabled {
        partners::create(db, &partner).await?;
        partners::set_allow_loopback_webhooks(db, &partner, true).await?;
        api_keys::ensure(db, &partner, API_KEY).await?;
        api_keys::set_revoked_by_key(db, API_KEY, false).await?;
    } else {
        api_keys::set_revoked_by_key(db, API_KEY, true).await?;
    }
    Ok(())
}
