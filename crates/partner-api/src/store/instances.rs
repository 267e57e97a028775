//! Instances. Every query for partner data takes the `PartnerId` first: another partner's
//! instance is simply not found.

use super::{is_unique_violation, opt_i64, Db, Signal, Tx};
use crate::domain::lifecycle;
use crate::domain::webhook::{Configurator, WebhookHeaders};
use crate::domain::{
    ChannelId, D360ApiKey, DeploymentError, EmailAddress, InstanceId, InstanceStatus, PartnerId,
    SeatCount, Subdomain, Timestamp,
};
use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Clone, Debug)]
pub struct Instance {
    pub id: InstanceId,
    pub partner_id: PartnerId,
    pub subdomain: Subdomain,
    pub status: InstanceStatus,
    pub channel_id: Option<String>,
    pub d360_api_key_hint: Option<String>,
    pub phone_number: Option<String>,
    pub admin_email: Option<String>,
    pub generate_activation: bool,
    pub configurator_user_name: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_headers: WebhookHeaders,
    pub max_number_of_seats: i64,
    /// The last deployment's or update's errors, with a 702 while the stored key is rejected.
    pub errors: Vec<DeploymentError>,
    /// Since when 360Dialog rejects the stored key (the periodic key check found it).
    pub d360_key_rejected_at: Option<Timestamp>,
    pub endpoint: Option<String>,
    /// The Swarm node it runs on (swarm driver).
    pub node: Option<String>,
    /// Why the router cannot reach it now (its node is down); `None` while it can.
    pub unavailable: Option<String>,
    /// The activation code, sealed: opened only to show a requested `activation_url`.
    pub activation_code_sealed: String,
    /// When the current activation code was issued: the create, or the last fresh link.
    pub activation_issued_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub ready_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
}

/// What Create Instance stores before anything is deployed.
pub struct NewInstance<'a> {
    pub id: &'a InstanceId,
    pub partner_id: &'a PartnerId,
    pub subdomain: &'a Subdomain,
    pub channel_id: Option<&'a ChannelId>,
    pub d360_api_key: Option<&'a D360ApiKey>,
    pub admin_email: Option<&'a EmailAddress>,
    pub generate_activation: bool,
    pub configurator: Option<&'a Configurator>,
    pub max_number_of_seats: SeatCount,
    pub activation_code: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("subdomain already in use: {0}")]
    SubdomainTaken(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

const COLUMNS: &str = "id, partner_id, subdomain, status, channel_id, d360_api_key_hint, phone_number, admin_email, \
    generate_activation, configurator_user_name, webhook_url, webhook_headers, max_number_of_seats, errors, endpoint, node, unavailable, \
    activation_code_sealed, activation_issued_at, created_at, updated_at, ready_at, deleted_at, d360_key_rejected_at";

fn from_row(row: &AnyRow) -> anyhow::Result<Instance> {
    let id: String = row.try_get("id")?;
    let partner: String = row.try_get("partner_id")?;
    let status: String = row.try_get("status")?;
    let errors: String = row.try_get("errors")?;
    let headers: String = row.try_get("webhook_headers")?;
    let channel_id: Option<String> = row.try_get("channel_id")?;
    let mut errors: Vec<DeploymentError> =
        serde_json::from_str(&errors).with_context(|| format!("stored errors of {id}"))?;
    let d360_key_rejected_at = opt_i64(row, "d360_key_rejected_at").map(Timestamp::from_millis);
    if d360_key_rejected_at.is_some() {
        errors = DeploymentError::with_key_rejected(errors, channel_id.as_deref());
    }
    Ok(Instance {
        id: InstanceId::parse(&id).with_context(|| format!("stored instance id {id:?}"))?,
        partner_id: PartnerId::parse(&partner).map_err(anyhow::Error::msg)?,
        subdomain: Subdomain::from_stored(row.try_get("subdomain")?),
        status: InstanceStatus::parse(&status)
            .with_context(|| format!("stored status {status:?}"))?,
        channel_id,
        d360_api_key_hint: row.try_get("d360_api_key_hint")?,
        phone_number: row.try_get("phone_number")?,
        admin_email: row.try_get("admin_email")?,
        generate_activation: row.try_get::<i64, _>("generate_activation")? != 0,
        configurator_user_name: row.try_get("configurator_user_name")?,
        webhook_url: row.try_get("webhook_url")?,
        webhook_headers: WebhookHeaders::from_json(&headers)
            .with_context(|| format!("stored webhook headers of {id}"))?,
        max_number_of_seats: row.try_get("max_number_of_seats")?,
        errors,
        d360_key_rejected_at,
        endpoint: row.try_get("endpoint")?,
        node: row.try_get("node")?,
        unavailable: row.try_get("unavailable")?,
        activation_code_sealed: row.try_get("activation_code_sealed")?,
        activation_issued_at: Timestamp::from_millis(
            opt_i64(row, "activation_issued_at").unwrap_or(row.try_get("created_at")?),
        ),
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        updated_at: Timestamp::from_millis(row.try_get("updated_at")?),
        ready_at: opt_i64(row, "ready_at").map(Timestamp::from_millis),
        deleted_at: opt_i64(row, "deleted_at").map(Timestamp::from_millis),
    })
}

/// Inserts the instance inside `tx`; a subdomain held by a live instance is refused by the
/// unique index, so two concurrent creates cannot both take it.
pub async fn insert(tx: &mut Tx, new: &NewInstance<'_>) -> Result<(), InsertError> {
    let now = Timestamp::now().millis();
    let sealed_key = new.d360_api_key.map(|k| tx.db.secrets().seal(k.expose()));
    let result = sqlx::query(
        "INSERT INTO instances (id, partner_id, subdomain, status, channel_id, d360_api_key_sealed, d360_api_key_hint, \
           admin_email, activation_code_sealed, generate_activation, configurator_user_name, webhook_url, webhook_headers, \
           max_number_of_seats, created_at, updated_at) \
         VALUES ($1, $2, $3, $15, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
    )
    .bind(new.id.as_str())
    .bind(new.partner_id.as_str())
    .bind(new.subdomain.as_str())
    .bind(new.channel_id.map(|c| c.as_str().to_owned()))
    .bind(sealed_key)
    .bind(new.d360_api_key.map(D360ApiKey::hint))
    .bind(new.admin_email.map(|e| e.as_str().to_owned()))
    .bind(tx.db.secrets().seal(new.activation_code))
    .bind(i64::from(new.generate_activation))
    .bind(new.configurator.map(|c| c.user_name.as_str().to_owned()))
    .bind(new.configurator.map(|c| c.webhook_url.as_str().to_owned()))
    .bind(new.configurator.map_or_else(|| "{}".to_owned(), |c| c.webhook_headers.to_json()))
    .bind(i64::from(new.max_number_of_seats.get()))
    .bind(now)
    .bind(lifecycle::CREATED.as_str())
    .execute(tx.conn())
    .await;
    match result {
        Ok(_) => {
            tx.signal(Signal::Instance(new.id.clone()));
            Ok(())
        }
        Err(e) if is_unique_violation(&e, "instances_live_subdomain", "instances.subdomain") => {
            Err(InsertError::SubdomainTaken(
                new.subdomain.as_str().to_owned(),
            ))
        }
        Err(e) => Err(InsertError::Other(e.into())),
    }
}

pub async fn find(
    db: &Db,
    partner: &PartnerId,
    id: &InstanceId,
) -> anyhow::Result<Option<Instance>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM instances WHERE partner_id = $1 AND id = $2"
    ))
    .bind(partner.as_str())
    .bind(id.as_str())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// For the platform's own workers, which act on an instance whoever owns it.
pub async fn find_any(db: &Db, id: &InstanceId) -> anyhow::Result<Option<Instance>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM instances WHERE id = $1"))
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Debug, Default)]
pub struct ListFilter {
    pub status: Option<InstanceStatus>,
    pub channel_id: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// This partner's instances, newest first, and how many match in all.
pub async fn list(
    db: &Db,
    partner: &PartnerId,
    filter: &ListFilter,
) -> anyhow::Result<(i64, Vec<Instance>)> {
    let status = filter.status.map(|s| s.as_str().to_owned());
    let condition =
        "partner_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR channel_id = $3)";
    let count: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM instances WHERE {condition}"))
            .bind(partner.as_str())
            .bind(status.clone())
            .bind(filter.channel_id.clone())
            .fetch_one(db.pool())
            .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM instances WHERE {condition} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(partner.as_str())
    .bind(status)
    .bind(filter.channel_id.clone())
    .bind(filter.limit)
    .bind(filter.offset)
    .fetch_all(db.pool())
    .await?;
    let instances = rows.iter().map(from_row).collect::<anyhow::Result<_>>()?;
    Ok((count, instances))
}

pub async fn count_by_status(db: &Db) -> anyhow::Result<Vec<(InstanceStatus, i64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM instances GROUP BY status")
        .fetch_all(db.pool())
        .await?;
    let mut counts = Vec::new();
    for row in rows {
        let status: String = row.try_get("status")?;
        if let Some(status) = InstanceStatus::parse(&status) {
            counts.push((status, row.try_get("n")?));
        }
    }
    Ok(counts)
}

/// Instances that should run, counted by the node they are on (`None`: a driver without nodes)
/// and whether they can be reached.
pub async fn count_by_node(db: &Db) -> anyhow::Result<Vec<(Option<String>, bool, i64)>> {
    // Two counts (integers on both backends) rather than a boolean column, which SQLite
    // answers as an integer and PostgreSQL as a boolean.
    let rows = sqlx::query(
        "SELECT node, COUNT(*) - COUNT(unavailable) AS reachable, COUNT(unavailable) AS unreachable \
         FROM instances WHERE status IN ('ready', 'updating') GROUP BY node",
    )
    .fetch_all(db.pool())
    .await?;
    let mut counts = Vec::new();
    for row in &rows {
        let node: Option<String> = row.try_get("node")?;
        for (reachable, column) in [(true, "reachable"), (false, "unreachable")] {
            let count: i64 = row.try_get(column)?;
            if count > 0 {
                counts.push((node.clone(), reachable, count));
            }
        }
    }
    Ok(counts)
}

/// Create Instance's one transaction: the instance, the job that deploys it and the answer kept
/// for the request's `Idempotency-Key`, so a retry finds either all three or none.
pub async fn create_with_deployment(
    db: &Db,
    new: &NewInstance<'_>,
    idempotent: Option<&super::idempotency::Record<'_>>,
) -> Result<(), InsertError> {
    let mut tx = db.begin().await?;
    insert(&mut tx, new).await?;
    if let Some(record) = idempotent {
        super::idempotency::complete_in(&mut tx, record).await?;
    }
    super::jobs::enqueue(&mut tx, new.id, &super::jobs::Job::Deploy).await?;
    tx.commit().await?;
    Ok(())
}

/// Every instance in one of `statuses`, whoever owns it (for the platform's workers).
pub async fn with_statuses(db: &Db, statuses: &[InstanceStatus]) -> anyhow::Result<Vec<Instance>> {
    let placeholders = (1..=statuses.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {COLUMNS} FROM instances WHERE status IN ({placeholders}) ORDER BY created_at"
    );
    let mut query = sqlx::query(&sql);
    for status in statuses {
        query = query.bind(status.as_str());
    }
    query
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Where the router sends a subdomain.
#[derive(Clone, Debug)]
pub struct Route {
    pub id: InstanceId,
    pub status: InstanceStatus,
    /// `None` for a ready instance: it sleeps.
    pub endpoint: Option<String>,
    /// Why it cannot be reached now, if it cannot.
    pub unavailable: Option<String>,
}

pub async fn route(db: &Db, subdomain: &str) -> anyhow::Result<Option<Route>> {
    let row = sqlx::query("SELECT id, status, endpoint, unavailable FROM instances WHERE subdomain = $1 AND status NOT IN ('deleting', 'deleted')")
        .bind(subdomain)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let id: String = row.try_get("id")?;
    let status: String = row.try_get("status")?;
    Ok(Some(Route {
        id: InstanceId::parse(&id).with_context(|| format!("stored instance id {id:?}"))?,
        status: InstanceStatus::parse(&status)
            .with_context(|| format!("stored status {status:?}"))?,
        endpoint: row.try_get("endpoint")?,
        unavailable: row.try_get("unavailable")?,
    }))
}
