//! The business profile of each emulated channel, as Cloud API JSON.

use crate::domain::Timestamp;
use crate::store::Db;
use serde_json::Value;

pub async fn get(db: &Db, channel_id: &str) -> anyhow::Result<Option<Value>> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT profile FROM sandbox_d360_profiles WHERE channel_id = $1")
            .bind(channel_id)
            .fetch_optional(db.pool())
            .await?;
    stored
        .map(|text| Ok(serde_json::from_str(&text)?))
        .transpose()
}

pub async fn set(db: &Db, channel_id: &str, profile: &Value) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sandbox_d360_profiles (channel_id, profile, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (channel_id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at",
    )
    .bind(channel_id)
    .bind(profile.to_string())
    .bind(Timestamp::now().millis())
    .execute(db.pool())
    .await?;
    Ok(())
}
