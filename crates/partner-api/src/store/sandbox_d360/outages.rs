//! Simulated outages of a channel's messaging API.

use crate::domain::Timestamp;
use crate::store::Db;

/// The channel's outage lasts until `until`; a time in the past ends it.
pub async fn set(db: &Db, channel_id: &str, until: Timestamp) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sandbox_d360_outages (channel_id, until_ms) VALUES ($1, $2) \
         ON CONFLICT (channel_id) DO UPDATE SET until_ms = excluded.until_ms",
    )
    .bind(channel_id)
    .bind(until.millis())
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn is_active(db: &Db, channel_id: &str) -> anyhow::Result<bool> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT until_ms FROM sandbox_d360_outages WHERE channel_id = $1")
            .bind(channel_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(until.is_some_and(|until| until > Timestamp::now().millis()))
}
