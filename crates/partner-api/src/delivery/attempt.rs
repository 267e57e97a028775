//! Claim, attempt, record: the three moves of delivery, shared by the worker and `deliver_due`.
//! The claim logs each attempt before it is made; recording completes it with its outcome.

use super::partner_keys::{self, PartnerKeys};
use super::{webhook, Delivery, Verdict};
use crate::domain::{PartnerId, Timestamp};
use crate::store::events::{self, AttemptRecord, ClaimedEvent, EventKind, NextStep};
use crate::store::Signal;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Up to `limit` due events, leased to this worker, each with its partner's keys.
pub async fn claim(
    delivery: &Delivery,
    limit: usize,
) -> anyhow::Result<Vec<(ClaimedEvent, Option<Arc<PartnerKeys>>)>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let lease_until = Timestamp::now().plus_millis(millis(delivery.lease()));
    let claimed = events::claim_due(delivery.db(), limit, lease_until).await?;
    let webhook_partners: Vec<PartnerId> = claimed
        .iter()
        .filter(|e| is_webhook(e.kind))
        .map(|e| e.partner_id.clone())
        .collect();
    let keys = partner_keys::load(delivery, &webhook_partners).await;
    Ok(claimed
        .into_iter()
        .map(|event| {
            let partner = keys.get(&event.partner_id).cloned();
            (event, partner)
        })
        .collect())
}

/// Makes one attempt, keeping the event's lease while it is in flight, and decides what follows.
pub async fn run(
    delivery: &Delivery,
    event: ClaimedEvent,
    keys: Option<Arc<PartnerKeys>>,
) -> AttemptRecord {
    let inner = &delivery.inner;
    let started = Instant::now();
    let send = async {
        match (event.kind, keys) {
            (EventKind::ActivationEmail, _) => inner.mailer.send(&event).await,
            (_, Some(keys)) => {
                webhook::send(&keys.client, &keys.secrets, &event, inner.timeout).await
            }
            (_, None) => super::Outcome::retry(
                "the partner's signing keys could not be read".into(),
                "refused",
            ),
        }
    };
    let outcome = keeping_lease(delivery, &event, send).await;
    let elapsed = started.elapsed();
    crate::metrics::delivery_attempt(event.kind.as_str(), outcome.label, elapsed);
    let next = match outcome.verdict {
        Verdict::Success => NextStep::Delivered,
        Verdict::Stop => NextStep::Failed,
        Verdict::Retry { retry_after } => {
            match inner.schedule.delay_after(event.attempt, retry_after) {
                Some(delay) => NextStep::RetryAt(Timestamp::now().plus_millis(millis(delay))),
                None => NextStep::Failed,
            }
        }
    };
    match next {
        NextStep::Delivered => crate::metrics::event_delivered(event.kind.as_str()),
        NextStep::Failed => crate::metrics::event_failed(event.kind.as_str()),
        NextStep::RetryAt(_) => {}
    }
    AttemptRecord {
        event_id: event.id,
        attempt: event.attempt,
        attempt_id: event.attempt_id,
        finished_at: Timestamp::now(),
        duration_ms: millis(elapsed),
        http_status: outcome.http_status,
        error: outcome.error,
        response_body: outcome.response_body,
        next,
    }
}

/// Runs `attempt` while renewing the event's lease every third of it: a live worker keeps the event
/// however long the attempt takes, a crashed one (whose future is gone with it) loses it within one
/// lease. A lease another worker has taken over is not renewed again; the result is then fenced.
async fn keeping_lease<T>(
    delivery: &Delivery,
    event: &ClaimedEvent,
    attempt: impl Future<Output = T>,
) -> T {
    let lease = delivery.lease();
    let renew = async {
        let mut tick = tokio::time::interval(lease / 3);
        tick.tick().await;
        loop {
            tick.tick().await;
            let until = Timestamp::now().plus_millis(millis(lease));
            match events::keep_lease(delivery.db(), event, until).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(event_id = %event.id, "lost the lease of an attempt in flight");
                    break;
                }
                Err(e) => tracing::warn!(
                    event_id = %event.id,
                    error = format!("{e:#}"),
                    "renewing the lease of an attempt in flight failed"
                ),
            }
        }
        std::future::pending().await
    };
    tokio::select! {
        biased;
        output = attempt => output,
        output = renew => output,
    }
}

/// Completes the attempts in one transaction (tried a few times: an attempt that is never recorded
/// is made again once its lease runs out), then wakes the worker if a retry is queued.
pub async fn record(delivery: &Delivery, records: &[AttemptRecord]) -> anyhow::Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let mut tries = 0;
    loop {
        match events::record_attempts(delivery.db(), records).await {
            Ok(()) => break,
            Err(e) if tries < 3 => {
                tries += 1;
                tracing::warn!(
                    error = format!("{e:#}"),
                    "recording delivery attempts failed; trying again"
                );
                tokio::time::sleep(Duration::from_millis(200 * tries)).await;
            }
            Err(e) => return Err(e),
        }
    }
    if records
        .iter()
        .any(|r| matches!(r.next, NextStep::RetryAt(_)))
    {
        delivery.db().signals().send_local(Signal::Events);
    }
    Ok(())
}

fn is_webhook(kind: EventKind) -> bool {
    matches!(kind, EventKind::Token | EventKind::Errors)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
