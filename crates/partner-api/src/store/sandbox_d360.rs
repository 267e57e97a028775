//! The state of the sandbox's 360Dialog emulator: here the keys it has issued; its messaging
//! state in the submodules.

pub mod media;
pub mod messages;
pub mod outages;
pub mod profiles;
pub mod webhooks;

use super::Db;
use crate::crypto::random_alphanumeric;
use crate::domain::Timestamp;

/// A new key for the channel; the channel's previous keys stop working.
pub async fn issue_key(db: &Db, channel_id: &str) -> anyhow::Result<(String, String)> {
    let key = format!("sbx_{}", random_alphanumeric(32));
    let now = Timestamp::now().millis();
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE sandbox_d360_keys SET revoked_at = $2 WHERE channel_id = $1 AND revoked_at IS NULL",
    )
    .bind(channel_id)
    .bind(now)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO sandbox_d360_keys (api_key, channel_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(&key)
    .bind(channel_id)
    .bind(now)
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok((format!("key_{}", &key[4..12]), key))
}

pub async fn channel_of_live_key(db: &Db, key: &str) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT channel_id FROM sandbox_d360_keys WHERE api_key = $1 AND revoked_at IS NULL",
    )
    .bind(key)
    .fetch_optional(db.pool())
    .await?)
}

pub async fn known_channels(db: &Db) -> anyhow::Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT channel_id FROM sandbox_d360_keys ORDER BY channel_id")
            .fetch_all(db.pool())
            .await?,
    )
}
