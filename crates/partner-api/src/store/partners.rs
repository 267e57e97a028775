//! Partners: who may use the API, their 360Dialog hub credentials and their signing secret.

use super::Db;
use crate::domain::{PartnerId, Timestamp};
use anyhow::Context;
use sqlx::Row;

/// How the platform reaches 360Dialog on a partner's behalf.
#[derive(Clone, Debug)]
pub struct HubCredentials {
    /// Base URL of the hub API (`…/partners/{partner_id}/channels…`).
    pub hub_url: String,
    /// The partner's id at 360Dialog.
    pub hub_partner_id: String,
    pub hub_api_key: String,
    /// Base URL of the messaging API (`…/health_status`).
    pub messaging_url: String,
}

#[derive(Clone, Debug)]
pub struct Partner {
    pub id: PartnerId,
    pub created_at: Timestamp,
    pub hub: Option<HubCredentials>,
    pub allow_loopback_webhooks: bool,
}

#[derive(Debug)]
pub struct PartnerSummary {
    pub id: String,
    pub created_at: Timestamp,
    pub active_keys: i64,
    pub live_instances: i64,
    pub has_hub: bool,
}

pub fn new_webhook_secret() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Creates the partner; `false` if it already exists (nothing is changed then).
pub async fn create(db: &Db, id: &PartnerId) -> anyhow::Result<bool> {
    let sealed_secret = db.secrets().seal(&new_webhook_secret());
    let result = sqlx::query(
        "INSERT INTO partners (id, created_at, webhook_secret_sealed) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id.as_str())
    .bind(Timestamp::now().millis())
    .bind(sealed_secret)
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn set_hub(db: &Db, id: &PartnerId, hub: &HubCredentials) -> anyhow::Result<bool> {
    let result = sqlx::query(
        "UPDATE partners SET hub_url = $2, hub_partner_id = $3, hub_api_key_sealed = $4, messaging_url = $5 WHERE id = $1",
    )
    .bind(id.as_str())
    .bind(&hub.hub_url)
    .bind(&hub.hub_partner_id)
    .bind(db.secrets().seal(&hub.hub_api_key))
    .bind(&hub.messaging_url)
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn set_allow_loopback_webhooks(
    db: &Db,
    id: &PartnerId,
    allow: bool,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE partners SET allow_loopback_webhooks = $2 WHERE id = $1")
        .bind(id.as_str())
        .bind(i64::from(allow))
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn get(db: &Db, id: &PartnerId) -> anyhow::Result<Option<Partner>> {
    let row = sqlx::query(
        "SELECT id, created_at, hub_url, hub_partner_id, hub_api_key_sealed, messaging_url, allow_loopback_webhooks \
         FROM partners WHERE id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let sealed: Option<String> = row.try_get("hub_api_key_sealed")?;
    let hub = match (
        row.try_get::<Option<String>, _>("hub_url")?,
        row.try_get::<Option<String>, _>("hub_partner_id")?,
        sealed,
        row.try_get::<Option<String>, _>("messaging_url")?,
    ) {
        (Some(hub_url), Some(hub_partner_id), Some(sealed), Some(messaging_url)) => {
            Some(HubCredentials {
                hub_url,
                hub_partner_id,
                hub_api_key: db
                    .secrets()
                    .open(&sealed)
                    .context("opening the partner's hub API key")?,
                messaging_url,
            })
        }
        _ => None,
    };
    Ok(Some(Partner {
        id: id.clone(),
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        hub,
        allow_loopback_webhooks: row.try_get::<i64, _>("allow_loopback_webhooks")? != 0,
    }))
}

pub async fn list(db: &Db) -> anyhow::Result<Vec<PartnerSummary>> {
    let rows = sqlx::query(
        "SELECT p.id, p.created_at, p.hub_url, \
           (SELECT COUNT(*) FROM api_keys k WHERE k.partner_id = p.id AND k.revoked_at IS NULL) AS active_keys, \
           (SELECT COUNT(*) FROM instances i WHERE i.partner_id = p.id AND i.status <> 'deleted') AS live_instances \
         FROM partners p ORDER BY p.id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PartnerSummary {
                id: row.try_get("id")?,
                created_at: Timestamp::from_millis(row.try_get("created_at")?),
                active_keys: row.try_get("active_keys")?,
                live_instances: row.try_get("live_instances")?,
                has_hub: row.try_get::<Option<String>, _>("hub_url")?.is_some(),
            })
        })
        .collect()
}

/// The partner's signing secrets (`whsec_…`): the current one and, until `previous_until`, the
/// one it replaced.
#[derive(Clone)]
pub struct WebhookSecrets {
    pub current: String,
    pub previous: Option<(String, Timestamp)>,
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecrets(***)")
    }
}

pub async fn webhook_secrets(db: &Db, id: &PartnerId) -> anyhow::Result<Option<WebhookSecrets>> {
    let row = sqlx::query(
        "SELECT webhook_secret_sealed, previous_webhook_secret_sealed, previous_webhook_secret_until \
         FROM partners WHERE id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let open = |sealed: &str| {
        db.secrets()
            .open(sealed)
            .context("opening a webhook secret")
    };
    let previous = match (
        row.try_get::<Option<String>, _>("previous_webhook_secret_sealed")?,
        super::opt_i64(&row, "previous_webhook_secret_until"),
    ) {
        (Some(sealed), Some(until)) => Some((open(&sealed)?, Timestamp::from_millis(until))),
        _ => None,
    };
    Ok(Some(WebhookSecrets {
        current: open(&row.try_get::<String, _>("webhook_secret_sealed")?)?,
        previous,
    }))
}

/// Replaces the signing secret; the one it replaces stays in force until `previous_until`. One
/// statement, so two concurrent rotations cannot lose a secret between them.
pub async fn rotate_webhook_secret(
    db: &Db,
    id: &PartnerId,
    previous_until: Timestamp,
) -> anyhow::Result<Option<String>> {
    let secret = new_webhook_secret();
    let result = sqlx::query(
        "UPDATE partners SET previous_webhook_secret_sealed = webhook_secret_sealed, \
           previous_webhook_secret_until = $2, webhook_secret_sealed = $3 WHERE id = $1",
    )
    .bind(id.as_str())
    .bind(previous_until.millis())
    .bind(db.secrets().seal(&secret))
    .execute(db.pool())
    .await?;
    Ok((result.rows_affected() == 1).then_some(secret))
}
