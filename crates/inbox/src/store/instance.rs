//! The single `instance` row: identity, platform token and the settings the platform owns.

use super::Store;
use crate::clock::UnixSeconds;
use crate::domain::SeatLimit;
use crate::secret::SecretDigest;
use anyhow::Context;
use sqlx::{Row, SqliteConnection};

#[derive(Clone, PartialEq, Eq)]
pub struct D360Settings {
    pub api_key: String,
    pub messaging_url: String,
}

impl D360Settings {
    /// The last four characters, the only part of the key ever shown.
    pub fn api_key_hint(&self) -> String {
        let chars: Vec<char> = self.api_key.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    }
}

/// The settings that only the platform changes (by the bootstrap file or `PUT /platform/settings`).
#[derive(Clone, PartialEq, Eq)]
pub struct PlatformOwned {
    pub max_number_of_seats: SeatLimit,
    pub d360: Option<D360Settings>,
}

pub struct InstanceRecord {
    pub instance_id: String,
    pub public_origin: String,
    pub platform_token: SecretDigest,
    pub platform: PlatformOwned,
    pub bootstrap_platform_sha256: String,
    pub form_key: Vec<u8>,
}

impl Store {
    pub async fn platform_settings(&self) -> anyhow::Result<PlatformOwned> {
        let row = sqlx::query(
            "SELECT max_number_of_seats, d360_api_key, d360_messaging_url FROM instance",
        )
        .fetch_one(&self.pool)
        .await?;
        platform_owned(&row)
    }

    /// Applies what is given; `None` leaves a setting as it is.
    pub async fn update_platform_settings(
        &self,
        seats: Option<SeatLimit>,
        d360: Option<&D360Settings>,
    ) -> anyhow::Result<()> {
        let mut conn = self.pool.acquire().await?;
        write_platform_owned(&mut conn, seats, d360).await
    }
}

pub(crate) async fn find(conn: &mut SqliteConnection) -> anyhow::Result<Option<InstanceRecord>> {
    let Some(row) = sqlx::query(
        "SELECT instance_id, public_origin, platform_token_sha256, max_number_of_seats,
                d360_api_key, d360_messaging_url, bootstrap_platform_sha256, form_key
         FROM instance",
    )
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    let platform_token = SecretDigest::parse_hex(row.get("platform_token_sha256"))
        .context("the stored platform token digest is malformed")?;
    Ok(Some(InstanceRecord {
        instance_id: row.get("instance_id"),
        public_origin: row.get("public_origin"),
        platform_token,
        platform: platform_owned(&row)?,
        bootstrap_platform_sha256: row.get("bootstrap_platform_sha256"),
        form_key: row.get("form_key"),
    }))
}

pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    record: &InstanceRecord,
    now: UnixSeconds,
) -> anyhow::Result<()> {
    let d360 = record.platform.d360.as_ref();
    sqlx::query(
        "INSERT INTO instance (id, instance_id, public_origin, platform_token_sha256,
             max_number_of_seats, d360_api_key, d360_messaging_url, bootstrap_platform_sha256,
             form_key, created_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&record.instance_id)
    .bind(&record.public_origin)
    .bind(record.platform_token.as_hex())
    .bind(record.platform.max_number_of_seats.get())
    .bind(d360.map(|d| d.api_key.as_str()))
    .bind(d360.map(|d| d.messaging_url.as_str()))
    .bind(&record.bootstrap_platform_sha256)
    .bind(&record.form_key)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The parts of the bootstrap the platform may change by rewriting the file.
pub(crate) async fn update_identity(
    conn: &mut SqliteConnection,
    public_origin: &str,
    platform_token: &SecretDigest,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE instance SET public_origin = ?, platform_token_sha256 = ?")
        .bind(public_origin)
        .bind(platform_token.as_hex())
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn record_bootstrap_platform(
    conn: &mut SqliteConnection,
    digest: &str,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE instance SET bootstrap_platform_sha256 = ?")
        .bind(digest)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn write_platform_owned(
    conn: &mut SqliteConnection,
    seats: Option<SeatLimit>,
    d360: Option<&D360Settings>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE instance SET
             max_number_of_seats = COALESCE(?, max_number_of_seats),
             d360_api_key = COALESCE(?, d360_api_key),
             d360_messaging_url = COALESCE(?, d360_messaging_url)",
    )
    .bind(seats.map(SeatLimit::get))
    .bind(d360.map(|d| d.api_key.as_str()))
    .bind(d360.map(|d| d.messaging_url.as_str()))
    .execute(conn)
    .await?;
    Ok(())
}

fn platform_owned(row: &sqlx::sqlite::SqliteRow) -> anyhow::Result<PlatformOwned> {
    let seats = SeatLimit::new(row.get("max_number_of_seats"))
        .map_err(|e| anyhow::anyhow!("the stored seat limit is invalid: {e}"))?;
    let key: Option<String> = row.get("d360_api_key");
    let url: Option<String> = row.get("d360_messaging_url");
    Ok(PlatformOwned {
        max_number_of_seats: seats,
        d360: key.zip(url).map(|(api_key, messaging_url)| D360Settings {
            api_key,
            messaging_url,
        }),
    })
}
