//! The last copy of the WhatsApp business profile that 360Dialog gave or accepted.

use super::Store;
use crate::clock::UnixSeconds;
use serde_json::Value;

impl Store {
    /// The profile as last stored, if it ever was.
    pub async fn business_profile(&self) -> anyhow::Result<Option<Value>> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT profile FROM business_profile WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        stored
            .map(|text| Ok(serde_json::from_str(&text)?))
            .transpose()
    }

    pub async fn keep_business_profile(
        &self,
        profile: &Value,
        now: UnixSeconds,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO business_profile (id, profile, synced_at) VALUES (1, ?, ?)
             ON CONFLICT (id) DO UPDATE SET profile = excluded.profile,
                 synced_at = excluded.synced_at",
        )
        .bind(profile.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
