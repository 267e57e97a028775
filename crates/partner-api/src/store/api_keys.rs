//! API keys: shown once, stored as a SHA-256 hash, found by their public prefix.

use super::Db;
use crate::crypto::{constant_time_eq, random_alphanumeric, sha256_hex};
use crate::domain::{PartnerId, Timestamp};
use sqlx::Row;

/// Recognisable in logs, secret scanners and support tickets.
pub const KEY_PREFIX: &str = "pak_";
/// Characters of a key that are stored in clear to find it: `pak_` and 8 random ones.
const LOOKUP_LEN: usize = 12;
/// 40 letters and digits: 238 bits of randomness.
const RANDOM_LEN: usize = 40;

#[derive(Debug)]
pub struct IssuedKey {
    pub id: String,
    pub key: String,
}

#[derive(Debug)]
pub struct KeySummary {
    pub id: String,
    pub partner_id: String,
    pub prefix: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum RevokeOutcome {
    Revoked(String),
    NotFound,
    Ambiguous(usize),
}

fn lookup_prefix(key: &str) -> &str {
    let end = key
        .char_indices()
        .nth(LOOKUP_LEN)
        .map_or(key.len(), |(i, _)| i);
    &key[..end]
}

pub async fn issue(db: &Db, partner: &PartnerId) -> anyhow::Result<IssuedKey> {
    let key = format!("{KEY_PREFIX}{}", random_alphanumeric(RANDOM_LEN));
    let id = store(db, partner, &key).await?;
    Ok(IssuedKey { id, key })
}

/// Stores a key chosen elsewhere (the documented sandbox key); nothing happens if it exists.
pub async fn ensure(db: &Db, partner: &PartnerId, key: &str) -> anyhow::Result<()> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM api_keys WHERE hash = $1")
        .bind(sha256_hex(key))
        .fetch_optional(db.pool())
        .await?;
    if exists.is_none() {
        store(db, partner, key).await?;
    }
    Ok(())
}

async fn store(db: &Db, partner: &PartnerId, key: &str) -> anyhow::Result<String> {
    let id = format!("key_{}", random_alphanumeric(12).to_ascii_lowercase());
    sqlx::query("INSERT INTO api_keys (id, partner_id, prefix, hash, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING")
        .bind(&id)
        .bind(partner.as_str())
        .bind(lookup_prefix(key))
        .bind(sha256_hex(key))
        .bind(Timestamp::now().millis())
        .execute(db.pool())
        .await?;
    Ok(id)
}

/// The partner a presented key belongs to, if it is a live key.
pub async fn authenticate(db: &Db, presented: &str) -> anyhow::Result<Option<PartnerId>> {
    if presented.is_empty() || presented.len() > 256 {
        return Ok(None);
    }
    let rows = sqlx::query(
        "SELECT partner_id, hash FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL",
    )
    .bind(lookup_prefix(presented))
    .fetch_all(db.pool())
    .await?;
    let presented_hash = sha256_hex(presented);
    for row in rows {
        let hash: String = row.try_get("hash")?;
        if constant_time_eq(&hash, &presented_hash) {
            let partner: String = row.try_get("partner_id")?;
            return Ok(Some(
                PartnerId::parse(&partner).map_err(anyhow::Error::msg)?,
            ));
        }
    }
    Ok(None)
}

/// Revokes by key id (`key_…`), by the prefix `keys list` shows, or by the whole key.
pub async fn revoke(db: &Db, id_or_prefix: &str) -> anyhow::Result<RevokeOutcome> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM api_keys WHERE revoked_at IS NULL AND (id = $1 OR prefix = $1 OR hash = $2)",
    )
    .bind(id_or_prefix)
    .bind(sha256_hex(id_or_prefix))
    .fetch_all(db.pool())
    .await?;
    match ids.as_slice() {
        [] => Ok(RevokeOutcome::NotFound),
        [id] => {
            sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1")
                .bind(id)
                .bind(Timestamp::now().millis())
                .execute(db.pool())
                .await?;
            Ok(RevokeOutcome::Revoked(id.clone()))
        }
        many => Ok(RevokeOutcome::Ambiguous(many.len())),
    }
}

pub async fn list(db: &Db, partner: Option<&PartnerId>) -> anyhow::Result<Vec<KeySummary>> {
    let rows = sqlx::query(
        "SELECT id, partner_id, prefix, created_at, revoked_at FROM api_keys \
         WHERE ($1 IS NULL OR partner_id = $1) ORDER BY partner_id, created_at",
    )
    .bind(partner.map(|p| p.as_str().to_owned()))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(KeySummary {
                id: row.try_get("id")?,
                partner_id: row.try_get("partner_id")?,
                prefix: row.try_get("prefix")?,
                created_at: Timestamp::from_millis(row.try_get("created_at")?),
                revoked_at: super::opt_i64(row, "revoked_at").map(Timestamp::from_millis),
            })
        })
        .collect()
}

/// Switches a known key off or back on (the sandbox key follows the sandbox setting).
pub async fn set_revoked_by_key(db: &Db, key: &str, revoked: bool) -> anyhow::Result<()> {
    let revoked_at = revoked.then(|| Timestamp::now().millis());
    sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE hash = $1")
        .bind(sha256_hex(key))
        .bind(revoked_at)
        .execute(db.pool())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lookup_prefix_is_the_first_twelve_characters() {
        assert_eq!(lookup_prefix("pak_abcdefgh123456"), "pak_abcdefgh");
        assert_eq!(lookup_prefix("LRoWRCjm1bdwlqDjfdYw"), "LRoWRCjm1bdw");
        assert_eq!(lookup_prefix("short"), "short");
    }
}
