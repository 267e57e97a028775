//! The background worker: keeps up to `--delivery-concurrency` attempts in flight, claims more as
//! soon as one ends, and records results in batches. It wakes on `Signal::Events`, when the next
//! retry falls due, and at least every few seconds (events queued by another replica).

use super::attempt;
use super::Delivery;
use crate::domain::Timestamp;
use crate::store::events::{self, AttemptRecord};
use crate::store::Signal;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The longest the worker sleeps without a signal.
const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// The most attempts written in one transaction.
const RECORD_BATCH: usize = 512;

/// Runs until `shutdown`; attempts in flight then finish (each bounded by the timeout) and are
/// recorded before it returns.
pub async fn run(delivery: Delivery, shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut signals = delivery.db().signals().subscribe();
    let permits = Arc::new(Semaphore::new(delivery.inner.concurrency));
    let (results, queue) = mpsc::unbounded_channel();
    let recorder = tokio::spawn(record_batches(delivery.clone(), queue));
    let mut in_flight = JoinSet::new();
    while !shutdown.is_cancelled() {
        while signals.try_recv().is_ok() {}
        while in_flight.try_join_next().is_some() {}
        let free = permits.available_permits();
        let claimed = match attempt::claim(&delivery, free).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "claiming due events failed");
                Vec::new()
            }
        };
        let more_may_be_due = free > 0 && claimed.len() == free;
        for (event, keys) in claimed {
            let permit = permits.clone().acquire_owned().await?;
            let (delivery, results) = (delivery.clone(), results.clone());
            in_flight.spawn(async move {
                let record = attempt::run(&delivery, event, keys).await;
                let _ = results.send(record);
                drop(permit);
            });
        }
        if more_may_be_due {
            continue;
        }
        // With every slot busy only a finished attempt (or a signal) makes room for a claim.
        let wait = if free == 0 {
            POLL_INTERVAL
        } else {
            until_next_due(&delivery).await
        };
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = events_signal(&mut signals) => {}
            _ = tokio::time::sleep(wait) => {}
            _ = in_flight.join_next(), if free == 0 => {}
        }
    }
    while in_flight.join_next().await.is_some() {}
    drop(results);
    recorder.await?;
    Ok(())
}

/// Returns at the next `Signal::Events` (or when signals were missed); other signals are not ours.
async fn events_signal(signals: &mut broadcast::Receiver<Signal>) {
    loop {
        match signals.recv().await {
            Ok(Signal::Events) | Err(broadcast::error::RecvError::Lagged(_)) => return,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}

async fn until_next_due(delivery: &Delivery) -> Duration {
    match events::next_due_at(delivery.db()).await {
        Ok(Some(at)) => {
            let ms = at.millis().saturating_sub(Timestamp::now().millis()).max(0);
            Duration::from_millis(ms.unsigned_abs()).min(POLL_INTERVAL)
        }
        Ok(None) => POLL_INTERVAL,
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "reading when the next event is due failed"
            );
            Duration::from_secs(1)
        }
    }
}

/// Writes finished attempts, as many as have arrived, one transaction at a time.
async fn record_batches(delivery: Delivery, mut queue: mpsc::UnboundedReceiver<AttemptRecord>) {
    let mut batch = Vec::new();
    while let Some(first) = queue.recv().await {
        batch.push(first);
        while batch.len() < RECORD_BATCH {
            match queue.try_recv() {
                Ok(record) => batch.push(record),
                Err(_) => break,
            }
        }
        if let Err(e) = attempt::record(&delivery, &batch).await {
            // The events stay leased; once the lease runs out they are attempted again.
            tracing::error!(
                error = format!("{e:#}"),
                attempts = batch.len(),
                "delivery attempts could not be recorded"
            );
        }
        batch.clear();
    }
}
