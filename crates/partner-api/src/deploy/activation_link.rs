//! A fresh activation link for an instance whose admin never chose a password (extension): the
//! running instance takes the new code first, so the old link stops working before the new one is
//! handed out; then the code is stored and, with `admin_email`, the e-mail sent again.

use super::platform::{rearm_activation, Rearm};
use super::spec::activation_expires_at;
use super::Deployer;
use crate::crypto::sha256_hex;
use crate::domain::lifecycle::{self, Operation};
use crate::domain::{InstanceId, InstanceStatus, PartnerId, Timestamp};
use crate::store::events::{self, EventKind};
use crate::store::{deployments, instances};
use instance_contract::bootstrap::PlatformActivation;

#[derive(Debug)]
pub enum Reissue {
    Issued {
        activation_url: String,
    },
    NotFound,
    /// Only a ready instance has a running admin to activate.
    NotReady(InstanceStatus),
    AlreadyActivated,
    /// The instance did not take the code; nothing changed.
    InstanceUnavailable,
    /// Its admin was e-mailed `EMAILS_PER_HOUR` links within the last hour.
    TooSoon {
        retry_after_secs: u64,
    },
}

/// Activation e-mails to one instance's admin within an hour: a lost e-mail can be sent again, an
/// address cannot be flooded.
pub const EMAILS_PER_HOUR: i64 = 5;
const HOUR_MS: i64 = 60 * 60 * 1000;

pub async fn reissue(
    ctx: &Deployer,
    partner: &PartnerId,
    id: &InstanceId,
) -> anyhow::Result<Reissue> {
    let Some(instance) = instances::find(&ctx.db, partner, id).await? else {
        return Ok(Reissue::NotFound);
    };
    let Ok(reissued) = lifecycle::decide(instance.status, Operation::ActivationReissued) else {
        return Ok(Reissue::NotReady(instance.status));
    };
    let platform_token = deployments::secrets(&ctx.db, id).await?.platform_token;
    let Some(platform_token) = platform_token else {
        return Ok(Reissue::InstanceUnavailable);
    };
    // A sleeping instance takes the code too; busy, it is not put to sleep while it does.
    let _busy = ctx.sleep.busy(id);
    let endpoint = match super::sleep::wake(ctx, id).await {
        Ok(endpoint) => endpoint,
        Err(e) => {
            tracing::warn!(instance = %id, error = format!("{e:#}"), "cannot wake for a fresh activation code");
            return Ok(Reissue::InstanceUnavailable);
        }
    };
    let endpoint = &endpoint;
    let issued_at = Timestamp::now();
    if instance.admin_email.is_some() {
        let since = Timestamp::from_millis(issued_at.millis() - HOUR_MS);
        let (sent, oldest) =
            events::queued_since(&ctx.db, id, EventKind::ActivationEmail, since).await?;
        if let (true, Some(oldest)) = (sent >= EMAILS_PER_HOUR, oldest) {
            let wait_ms = oldest.millis() + HOUR_MS - issued_at.millis();
            let retry_after_secs = u64::try_from(wait_ms).unwrap_or(0).max(1000).div_ceil(1000);
            return Ok(Reissue::TooSoon { retry_after_secs });
        }
    }
    let code = uuid::Uuid::new_v4().to_string();
    let fresh = PlatformActivation {
        activation_code_sha256: sha256_hex(&code),
        activation_expires_at: activation_expires_at(ctx, issued_at),
    };
    match rearm_activation(ctx, endpoint, &platform_token, &fresh).await {
        Ok(Rearm::Armed) => {}
        Ok(Rearm::AlreadyActivated) => return Ok(Reissue::AlreadyActivated),
        Err(e) => {
            tracing::warn!(instance = %id, error = format!("{e:#}"), "fresh activation code not taken");
            return Ok(Reissue::InstanceUnavailable);
        }
    }
    let activation_url = ctx.urls.activation_url(&instance.subdomain, &code);
    let link = deployments::ActivationLink {
        code: &code,
        issued_at,
        url: &activation_url,
    };
    deployments::reissue_activation(&ctx.db, &instance, &reissued, &link).await?;
    tracing::info!(instance = %id, emailed = instance.admin_email.is_some(), "fresh activation link issued");
    Ok(Reissue::Issued { activation_url })
}
