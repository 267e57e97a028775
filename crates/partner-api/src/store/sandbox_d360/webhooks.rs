//! Where the emulator delivers a channel's webhooks: one URL and the headers to send with it.

use crate::domain::Timestamp;
use crate::store::Db;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub url: String,
    pub headers: BTreeMap<String, String>,
}

/// Replaces the channel's registration, as 360Dialog does on every `POST /v1/configs/webhook`.
pub async fn set(db: &Db, channel_id: &str, registration: &Registration) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sandbox_d360_webhooks (channel_id, url, headers, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (channel_id) DO UPDATE SET url = excluded.url, headers = excluded.headers, updated_at = excluded.updated_at",
    )
    .bind(channel_id)
    .bind(&registration.url)
    .bind(serde_json::to_string(&registration.headers)?)
    .bind(Timestamp::now().millis())
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn get(db: &Db, channel_id: &str) -> anyhow::Result<Option<Registration>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT url, headers FROM sandbox_d360_webhooks WHERE channel_id = $1")
            .bind(channel_id)
            .fetch_optional(db.pool())
            .await?;
    row.map(|(url, headers)| {
        Ok(Registration {
            url,
            headers: serde_json::from_str(&headers)?,
        })
    })
    .transpose()
}
