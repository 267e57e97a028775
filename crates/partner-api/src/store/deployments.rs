//! What the deployment job records on an instance, step by step. Each write is guarded so a
//! retried job repeats nothing and a deployment cannot overwrite a delete that came meanwhile.

use super::events::{self, NewEvent};
use super::instances::Instance;
use super::jobs::{self, ClaimedJob, JobOutcome};
use super::{is_unique_violation, Db, Signal, Tx};
use crate::crypto::random_token;
use crate::d360::PhoneNumber;
use crate::domain::{
    D360ApiKey, DeploymentError, EventKind, InstanceId, InstanceStatus, Refusal, Timestamp,
    Transition,
};
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

/// Where the instance runs now (its endpoint, and its node on a driver that has several), reachable.
pub async fn set_placement(
    db: &Db,
    id: &InstanceId,
    endpoint: &str,
    node: Option<&str>,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE instances SET endpoint = $2, node = COALESCE($3, node), unavailable = NULL WHERE id = $1")
        .bind(id.as_str())
        .bind(endpoint)
        .bind(node)
        .execute(tx.conn())
        .await?;
    tx.signal(Signal::Instance(id.clone()));
    tx.commit().await
}

/// Why the instance cannot be reached now; cleared by the next [`set_placement`].
pub async fn set_unavailable(db: &Db, id: &InstanceId, why: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE instances SET unavailable = $2 WHERE id = $1")
        .bind(id.as_str())
        .bind(why)
        .execute(tx.conn())
        .await?;
    tx.signal(Signal::Instance(id.clone()));
    tx.commit().await
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

/// Moves the instance along `transition` inside `tx`, recording `errors` (an empty list clears
/// them, `None` keeps them); `false` if it was no longer in `transition.from`.
pub(super) async fn move_status(
    tx: &mut Tx,
    id: &InstanceId,
    transition: &Transition,
    errors: Option<&[DeploymentError]>,
) -> anyhow::Result<bool> {
    let now = Timestamp::now().millis();
    let errors = errors.map(serde_json::to_string).transpose()?;
    let changed = sqlx::query(
        "UPDATE instances SET status = $2, errors = COALESCE($3, errors), updated_at = $4, \
           ready_at = CASE WHEN $2 = 'ready' THEN COALESCE(ready_at, $4) ELSE ready_at END \
         WHERE id = $1 AND status = $5",
    )
    .bind(id.as_str())
    .bind(transition.to.as_str())
    .bind(errors)
    .bind(now)
    .bind(transition.from.as_str())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if changed {
        tx.signal(Signal::Instance(id.clone()));
    }
    Ok(changed)
}

/// What the events a transition sends carry; an event whose content or recipient is missing
/// (no webhook, no configurator, no `admin_email`) is not sent.
#[derive(Clone, Copy, Default)]
pub struct EventContent<'a> {
    pub configurator_token: Option<&'a str>,
    pub activation_url: Option<&'a str>,
    pub errors: &'a [DeploymentError],
}

/// Queues the events `sends` names, inside the transaction that made the transition.
pub(super) async fn queue_sends(
    tx: &mut Tx,
    instance: &Instance,
    sends: &[EventKind],
    content: &EventContent<'_>,
) -> anyhow::Result<()> {
    for kind in sends {
        let (target, payload) = match kind {
            EventKind::Token => match (&instance.webhook_url, content.configurator_token) {
                (Some(url), Some(token)) => (url, json!({ "token": token })),
                _ => continue,
            },
            EventKind::Errors => match &instance.webhook_url {
                Some(url) => (url, json!({ "errors": content.errors })),
                None => continue,
            },
            EventKind::ActivationEmail => match (&instance.admin_email, content.activation_url) {
                (Some(email), Some(url)) => (
                    email,
                    json!({"activation_url": url, "subdomain": instance.subdomain.as_str()}),
                ),
                _ => continue,
            },
        };
        events::enqueue(
            tx,
            &NewEvent {
                partner_id: &instance.partner_id,
                instance_id: &instance.id,
                kind: *kind,
                target,
                headers: &instance.webhook_headers,
                payload: &payload,
            },
        )
        .await?;
    }
    Ok(())
}

/// The end of a deployment or update job, in one transaction: the instance moves along
/// `transition` with its errors, the events it sends are queued, and the job is done as `outcome`.
/// When the table refused the move, or the instance left `transition.from` meanwhile (a delete
/// came), nothing happens and the job ends as cancelled. `true` if the instance moved.
pub async fn complete(
    db: &Db,
    job: &ClaimedJob,
    instance: &Instance,
    transition: Result<Transition, Refusal>,
    content: &EventContent<'_>,
    outcome: JobOutcome,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let changed = match &transition {
        Ok(transition) => {
            move_status(&mut tx, &instance.id, transition, Some(content.errors)).await?
        }
        Err(_) => false,
    };
    if let (true, Ok(transition)) = (changed, &transition) {
        queue_sends(&mut tx, instance, transition.sends, content).await?;
    }
    jobs::finish_in(
        &mut tx,
        job,
        if changed {
            outcome
        } else {
            JobOutcome::Cancelled
        },
    )
    .await?;
    tx.commit().await?;
    Ok(changed)
}

/// A fresh activation code the running instance took, and its link.
pub struct ActivationLink<'a> {
    pub code: &'a str,
    pub issued_at: Timestamp,
    pub url: &'a str,
}

/// Stores the fresh activation code and queues what `transition` sends (its e-mail), together.
/// The instance took the code already, so it is stored unless the instance was deleted meanwhile.
pub async fn reissue_activation(
    db: &Db,
    instance: &Instance,
    transition: &Transition,
    link: &ActivationLink<'_>,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE instances SET activation_code_sealed = $1, activation_issued_at = $2, updated_at = $2 \
         WHERE id = $3 AND deleted_at IS NULL",
    )
    .bind(db.secrets().seal(link.code))
    .bind(link.issued_at.millis())
    .bind(instance.id.as_str())
    .execute(tx.conn())
    .await?;
    let content = EventContent {
        activation_url: Some(link.url),
        ..EventContent::default()
    };
    queue_sends(&mut tx, instance, transition.sends, &content).await?;
    tx.commit().await?;
    Ok(())
}

/// Instances that should be running, for the reconciler.
pub async fn wanted_running(db: &Db) -> anyhow::Result<Vec<Instance>> {
    let running: Vec<InstanceStatus> = InstanceStatus::ALL
        .into_iter()
        .filter(|s| s.wants_running())
        .collect();
    super::instances::with_statuses(db, &running).await
}
