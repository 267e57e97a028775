//! Applies the bootstrap file to the database at every start, idempotently.
//!
//! - First start (empty database): the instance row, the admin (no password yet) with its
//!   activation code, the configurator with its token, the seats and the 360Dialog key.
//! - Every later start: `instance_id` must be the stored one (else the start fails: the data
//!   directory belongs to another instance). `public_origin`, the platform token and the
//!   configurator's token are taken from the file (no user can change them; a missing
//!   configurator is created). Seats and the 360Dialog key are applied again only if the file's
//!   values differ from those it held at the previous start, so that a `PUT /platform/settings`
//!   survives a restart with an unchanged file; a file without `d360` keeps the stored key.
//!   A different activation code digest arms that new code (unused) for the bootstrap admin; the
//!   same digest only updates its expiry. Users, passwords and sessions are never touched.

mod plan;

pub use plan::d360_settings;

use crate::bootstrap::Bootstrap;
use crate::clock::UnixSeconds;
use crate::domain::{Role, UserId};
use crate::secret::{random_bytes, SecretDigest};
use crate::store::{activation, instance, tokens, users, InstanceRecord, Store};
use anyhow::{bail, Context};
use plan::{AdminPlan, Plan};
use sqlx::SqliteConnection;

/// What the running instance keeps in memory: none of it changes while it runs.
#[derive(Clone, Debug)]
pub struct Identity {
    pub instance_id: String,
    pub public_origin: String,
    pub platform_token: SecretDigest,
    pub form_key: Vec<u8>,
    /// What 360Dialog's webhooks must carry; without it every webhook is refused.
    pub inbound_secret: Option<SecretDigest>,
    /// The business number, `+` and digits, when the platform said it.
    pub phone_number: Option<String>,
}

pub async fn apply(store: &Store, file: &Bootstrap, now: UnixSeconds) -> anyhow::Result<Identity> {
    let plan = Plan::check(file).context("the bootstrap file is invalid")?;
    let mut tx = store.begin().await?;
    let form_key = match instance::find(&mut tx).await? {
        None => first_start(&mut tx, &plan, now).await?,
        Some(stored) => later_start(&mut tx, &plan, stored).await?,
    };
    if let Some(configurator) = &plan.configurator {
        let id =
            match users::find_by_role(&mut tx, &configurator.username, Role::Configurator).await? {
                Some(id) => id,
                None => {
                    users::insert_without_password(
                        &mut tx,
                        &configurator.username,
                        None,
                        Role::Configurator,
                        now,
                    )
                    .await?
                }
            };
        tokens::replace_bootstrap_token(&mut tx, id, &configurator.token, now).await?;
    }
    tx.commit().await?;
    Ok(Identity {
        instance_id: plan.instance_id,
        public_origin: plan.public_origin,
        platform_token: plan.platform_token,
        form_key,
        inbound_secret: plan.inbound_secret,
        phone_number: plan.phone_number,
    })
}

async fn first_start(
    conn: &mut SqliteConnection,
    plan: &Plan,
    now: UnixSeconds,
) -> anyhow::Result<Vec<u8>> {
    let record = InstanceRecord {
        instance_id: plan.instance_id.clone(),
        public_origin: plan.public_origin.clone(),
        platform_token: plan.platform_token.clone(),
        platform: plan.platform.clone(),
        bootstrap_platform_sha256: plan.platform_digest.clone(),
        form_key: random_bytes(32),
    };
    instance::insert(conn, &record, now).await?;
    let admin = &plan.admin;
    let admin_id = users::insert_without_password(
        conn,
        &admin.username,
        admin.email.as_ref(),
        Role::Admin,
        now,
    )
    .await?;
    arm_activation(conn, admin_id, admin).await?;
    tracing::info!(instance_id = %plan.instance_id, "instance created from the bootstrap file");
    Ok(record.form_key)
}

async fn later_start(
    conn: &mut SqliteConnection,
    plan: &Plan,
    stored: InstanceRecord,
) -> anyhow::Result<Vec<u8>> {
    if stored.instance_id != plan.instance_id {
        bail!(
            "the data directory belongs to instance {}, not {}",
            stored.instance_id,
            plan.instance_id
        );
    }
    instance::update_identity(conn, &plan.public_origin, &plan.platform_token).await?;
    if stored.bootstrap_platform_sha256 != plan.platform_digest {
        let platform = &plan.platform;
        instance::write_platform_owned(
            conn,
            Some(platform.max_number_of_seats),
            platform.d360.as_ref(),
        )
        .await?;
        instance::record_bootstrap_platform(conn, &plan.platform_digest).await?;
        tracing::info!("seats and 360Dialog settings re-applied from the rewritten bootstrap file");
    }
    rearm_activation(conn, plan).await?;
    Ok(stored.form_key)
}

async fn rearm_activation(conn: &mut SqliteConnection, plan: &Plan) -> anyhow::Result<()> {
    let admin = &plan.admin;
    let current = activation::find(conn).await?;
    if current
        .as_ref()
        .is_some_and(|a| a.code.matches(&admin.activation_code))
    {
        return activation::set_expiry(conn, admin.activation_expires_at).await;
    }
    match users::find_by_role(conn, &admin.username, Role::Admin).await? {
        Some(admin_id) => {
            arm_activation(conn, admin_id, admin).await?;
            tracing::info!("a new activation code from the bootstrap file is armed");
        }
        None => tracing::warn!(
            username = admin.username.as_str(),
            "the bootstrap admin no longer exists: the new activation code is ignored"
        ),
    }
    Ok(())
}

async fn arm_activation(
    conn: &mut SqliteConnection,
    admin_id: UserId,
    admin: &AdminPlan,
) -> anyhow::Result<()> {
    activation::arm(
        conn,
        admin_id,
        &admin.activation_code,
        admin.activation_expires_at,
    )
    .await
}
