//! What the deployment job records on an instance, step by step. Each write is guarded so a
//! retried job repeats nothing and a deployment cannot overwrite a delete that came meanwhile.

use super::events::{self, EventKind, NewEvent};
use super::instances::Instance;
use super::jobs::{self, ClaimedJob, JobOutcome};
use super::{is_unique_violation, Db, Signal, Tx};
use crate::crypto::random_token;
use crate::d360::PhoneNumber;
use crate::domain::{D360ApiKey, DeploymentError, InstanceId, InstanceStatus, Timestamp};
use serde_json::json;

pub struct DeploySecrets {
    pub d360_api_key: Option<D360ApiKey>,
    pub activation_code: String,
    pub configurator_token: Option<String>,
    pub platform_token: Option<String>,
}

pub async fn secrets(db: &Db, id: &InstanceId) -> anyhow::Result<DeploySecrets> {
    let row: (Option<String>, String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT d360_api_key_sealed, activation_code_sealed, configurator_token_sealed, platform_token_sealed \
         FROM instances WHERE id = $1",
    )
    .bind(id.as_str())
    .fetch_one(db.pool())
    .await?;
    let open = |sealed: Option<String>| sealed.map(|s| db.secrets().open(&s)).transpose();
    Ok(DeploySecrets {
        d360_api_key: open(row.0)?
            .map(|k| D360ApiKey::parse(&k).map_err(anyhow::Error::msg))
            .transpose()?,
        activation_code: db.secrets().open(&row.1)?,
        configurator_token: open(row.2)?,
        platform_token: open(row.3)?,
    })
}

/// Claims the phone number for the instance; `false` if a live instance already holds it.
/// The unique index decides, so two concurrent deployments cannot both claim one number.
pub async fn claim_phone_number(
    db: &Db,
    id: &InstanceId,
    number: &PhoneNumber,
) -> anyhow::Result<bool> {
    let result =
        sqlx::query("UPDATE instances SET phone_number = $2, updated_at = $3 WHERE id = $1")
            .bind(id.as_str())
            .bind(number.as_str())
            .bind(Timestamp::now().millis())
            .execute(db.pool())
            .await;
    match result {
        Ok(_) => Ok(true),
        Err(e)
            if is_unique_violation(&e, "instances_live_phone_number", "instances.phone_number") =>
        {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// The channel of the live instance that holds a number, for the 701 error's parameters.
pub async fn channel_holding_number(
    db: &Db,
    number: &PhoneNumber,
) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT channel_id FROM instances WHERE phone_number = $1 AND status NOT IN ('deleting', 'deleted') AND channel_id IS NOT NULL",
    )
    .bind(number.as_str())
    .fetch_optional(db.pool())
    .await?)
}

pub async fn set_d360_key(db: &Db, id: &InstanceId, key: &D360ApiKey) -> anyhow::Result<()> {
    sqlx::query("UPDATE instances SET d360_api_key_sealed = $2, d360_api_key_hint = $3, d360_key_rejected_at = NULL, updated_at = $4 WHERE id = $1")
        .bind(id.as_str())
        .bind(db.secrets().seal(key.expose()))
        .bind(key.hint())
        .bind(Timestamp::now().millis())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The instance's secrets with its tokens, generated on the first call and the same on every
/// later one. Only a missing token costs a write.
pub async fn secrets_with_tokens(
    db: &Db,
    id: &InstanceId,
    with_configurator: bool,
) -> anyhow::Result<(DeploySecrets, String)> {
    let stored = secrets(db, id).await?;
    let complete = stored.platform_token.is_some()
        && (!with_configurator || stored.configurator_token.is_some());
    let stored = if complete {
        stored
    } else {
        let configurator = with_configurator.then(|| db.secrets().seal(&random_token()));
        sqlx::query(
            "UPDATE instances SET configurator_token_sealed = COALESCE(configurator_token_sealed, $2), \
               platform_token_sealed = COALESCE(platform_token_sealed, $3) WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(configurator)
        .bind(db.secrets().seal(&random_token()))
        .execute(db.pool())
        .await?;
        secrets(db, id).await?
    };
    let platform = stored
        .platform_token
        .clone()
        .ok_or_else(|| anyhow::anyhow!("platform token not stored"))?;
    Ok((stored, platform))
}

pub async fn set_endpoint(db: &Db, id: &InstanceId, endpoint: Option<&str>) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE instances SET endpoint = $2 WHERE id = $1")
        .bind(id.as_str())
        .bind(endpoint)
        .execute(tx.conn())
        .await?;
    tx.signal(Signal::Instance(id.clone()));
    tx.commit().await
}

pub async fn status(db: &Db, id: &InstanceId) -> anyhow::Result<Option<InstanceStatus>> {
    let raw: Option<String> = sqlx::query_scalar("SELECT status FROM instances WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    Ok(raw.as_deref().and_then(InstanceStatus::parse))
}

/// Moves `from` → `to` inside `tx`; `false` if the instance was no longer in `from`.
pub(super) async fn transition(
    tx: &mut Tx,
    id: &InstanceId,
    from: &[InstanceStatus],
    to: InstanceStatus,
    errors: &[DeploymentError],
) -> anyhow::Result<bool> {
    let now = Timestamp::now().millis();
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let placeholders = (0..from.len())
        .map(|i| format!("${}", i + 5))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE instances SET status = $2, errors = $3, updated_at = $4, \
           ready_at = CASE WHEN $2 = 'ready' THEN COALESCE(ready_at, $4) ELSE ready_at END \
         WHERE id = $1 AND status IN ({placeholders})"
    );
    let mut query = sqlx::query(&sql)
        .bind(id.as_str())
        .bind(to.as_str())
        .bind(serde_json::to_string(errors)?)
        .bind(now);
    for status in from {
        query = query.bind(status);
    }
    let changed = query.execute(tx.conn()).await?.rows_affected() == 1;
    if changed {
        tx.signal(Signal::Instance(id.clone()));
    }
    Ok(changed)
}

/// The end of a successful deployment, in one transaction: the instance is ready, its `token`
/// event and activation e-mail are queued, and the job is done. Nothing happens if the instance
/// left `from` meanwhile (a delete came), and the job ends as cancelled.
pub async fn complete_ready(
    db: &Db,
    job: &ClaimedJob,
    instance: &Instance,
    from: &[InstanceStatus],
    configurator_token: Option<&str>,
    activation_url: &str,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let changed = transition(&mut tx, &instance.id, from, InstanceStatus::Ready, &[]).await?;
    if changed {
        if let (Some(url), Some(token)) = (&instance.webhook_url, configurator_token) {
            let payload = json!({"token": token});
            events::enqueue(
                &mut tx,
                &NewEvent {
                    partner_id: &instance.partner_id,
                    instance_id: &instance.id,
                    kind: EventKind::Token,
                    target: url,
                    headers: &instance.webhook_headers,
                    payload: &payload,
                },
            )
            .await?;
        }
        enqueue_activation_email(&mut tx, instance, activation_url).await?;
    }
    jobs::finish_in(&mut tx, job, if changed {
            JobOutcome::Ready
        } else {
            JobOutcome::Cancelled
        }).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Queues the activation e-mail to the instance's `admin_email`, if it has one.
async fn enqueue_activation_email(
    tx: &mut Tx,
    instance: &Instance,
    activation_url: &str,
) -> anyhow::Result<()> {
    let Some(email) = &instance.admin_email else {
        return Ok(());
    };
    let payload =
        json!({"activation_url": activation_url, "subdomain": instance.subdomain.as_str()});
    events::enqueue(
        tx,
        &NewEvent {
            partner_id: &instance.partner_id,
            instance_id: &instance.id,
            kind: EventKind::ActivationEmail,
            target: email,
            headers: &instance.webhook_headers,
            payload: &payload,
        },
    )
    .await?;
    Ok(())
}

/// Stores the fresh activation code the instance accepted, and queues its e-mail, together.
pub async fn reissue_activation(
    db: &Db,
    instance: &Instance,
    activation_code: &str,
    issued_at: Timestamp,
    activation_url: &str,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE instances SET activation_code_sealed = $1, activation_issued_at = $2, updated_at = $2 \
         WHERE id = $3 AND deleted_at IS NULL",
    )
    .bind(db.secrets().seal(activation_code))
    .bind(issued_at.millis())
    .bind(instance.id.as_str())
    .execute(tx.conn())
    .await?;
    enqueue_activation_email(&mut tx, instance, activation_url).await?;
    tx.commit().await?;
    Ok(())
}

/// The end of a failed deployment or update, in one transaction: the instance keeps the errors
/// and moves to `to`, the `errors` event is queued for the configurator's webhook, the job is done.
pub async fn complete_failed(
    db: &Db,
    job: &ClaimedJob,
    instance: &Instance,
    from: &[InstanceStatus],
    to: InstanceStatus,
    errors: &[DeploymentError],
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let changed = transition(&mut tx, &instance.id, from, to, errors).await?;
    if changed {
        queue_errors_event(&mut tx, instance, errors).await?;
    }
    jobs::finish_in(&mut tx, job, if changed {
            JobOutcome::Failed
        } else {
            JobOutcome::Cancelled
        }).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Queues `{"errors": […]}` for the configurator's webhook, if the instance has one.
pub(super) async fn queue_errors_event(
    tx: &mut Tx,
    instance: &Instance,
    errors: &[DeploymentError],
) -> anyhow::Result<()> {
    let Some(url) = &instance.webhook_url else {
        return Ok(());
    };
    let payload = json!({ "errors": errors });
    events::enqueue(
        tx,
        &NewEvent {
            partner_id: &instance.partner_id,
            instance_id: &instance.id,
            kind: EventKind::Errors,
            target: url,
            headers: &instance.webhook_headers,
            payload: &payload,
        },
    )
    .await?;
    Ok(())
}

/// Instances that should be running, for the reconciler.
pub async fn wanted_running(db: &Db) -> anyhow::Result<Vec<Instance>> {
    super::instances::with_statuses(db, &[InstanceStatus::Ready, InstanceStatus::Updating]).await
}

/// The end of an update of a running instance: back to `ready`, no event (its token is unchanged).
pub async fn complete_updated(
    db: &Db,
    job: &ClaimedJob,
    instance: &Instance,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let changed = transition(
        &mut tx,
        &instance.id,
        &[InstanceStatus::Updating],
        InstanceStatus::Ready,
        &[],
    )
    .await?;
    jobs::finish_in(&mut tx, job, if changed {
            JobOutcome::Updated
        } else {
            JobOutcome::Cancelled
        }).await?;
    tx.commit().await
}
