//! Asynchronous event delivery: the outbox worker that sends webhooks and the activation e-mail,
//! retries on a schedule and records every attempt.
//!
//! All state is in the database (`events`, `event_attempts`): a restart, a crash or a second
//! replica on the same PostgreSQL database continues where the last attempt left off.

mod attempt;
pub mod mail;
mod outbound;
mod partner_keys;
pub mod schedule;
pub mod signature;
mod webhook;
mod worker;

pub use worker::run;

use crate::config::ServeArgs;
use crate::domain::AddressPolicy;
use crate::store::Db;
use outbound::SafeClient;
use schedule::RetrySchedule;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// What one attempt came to, before the schedule decides what follows.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub response_body: Option<String>,
    /// The `result` label of the attempt metric.
    pub label: &'static str,
    pub verdict: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Success,
    /// Try again on the schedule, not before `retry_after` if the receiver asked for it.
    Retry {
        retry_after: Option<Duration>,
    },
    /// No further attempt: `410 Gone`, a permanent SMTP refusal, an event that cannot be sent.
    Stop,
}

impl Outcome {
    pub fn retry(error: String, label: &'static str) -> Self {
        Self::error(error, label, Verdict::Retry { retry_after: None })
    }

    pub fn stop(error: String, label: &'static str) -> Self {
        Self::error(error, label, Verdict::Stop)
    }

    fn error(error: String, label: &'static str, verdict: Verdict) -> Self {
        Self {
            http_status: None,
            error: Some(error),
            response_body: None,
            label,
            verdict,
        }
    }
}

/// The delivery service: its settings and its outbound clients. Cheap to clone.
#[derive(Clone)]
pub struct Delivery {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    schedule: RetrySchedule,
    timeout: Duration,
    lease: Duration,
    concurrency: usize,
    /// Public addresses and the operator's allowed networks.
    strict: SafeClient,
    /// The same plus loopback, for partners allowed to send webhooks to this machine.
    loopback: SafeClient,
    mailer: mail::Mailer,
}

impl Delivery {
    pub fn new(db: Db, args: &ServeArgs, data_dir: &Path) -> anyhow::Result<Self> {
        let policy = AddressPolicy::new(args.webhook_allowed_networks.clone());
        let concurrency = args.delivery_concurrency.max(1);
        let timeout = args.webhook_timeout;
        let mailer = mail::Mailer::new(
            args.smtp_url.as_ref(),
            args.mail_from.clone(),
            &data_dir.join("outbox"),
            timeout,
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                strict: SafeClient::new(policy.clone(), timeout, concurrency)?,
                loopback: SafeClient::new(policy.with_loopback(), timeout, concurrency)?,
                db,
                schedule: args.webhook_retry_schedule.clone(),
                timeout,
                lease: Duration::from_secs(args.job_lease_seconds.max(1)),
                concurrency,
                mailer,
            }),
        })
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// How long a claimed event stays this worker's without being renewed: past it, another worker
    /// may try it again. An attempt renews it while in flight, so it bounds only how long a crashed
    /// worker's event waits.
    fn lease(&self) -> Duration {
        self.inner.lease
    }
}

/// One step of the worker: claims the events that are due (up to the concurrency, each attempt
/// logged before it is made), attempts them concurrently, records their outcomes and returns how
/// many there were. Tests drive delivery with it.
pub async fn deliver_due(delivery: &Delivery) -> anyhow::Result<usize> {
    let claimed = attempt::claim(delivery, delivery.inner.concurrency).await?;
    let count = claimed.len();
    let mut running = tokio::task::JoinSet::new();
    for (event, keys) in claimed {
        let delivery = delivery.clone();
        running.spawn(async move { attempt::run(&delivery, event, keys).await });
    }
    let mut records = Vec::with_capacity(count);
    while let Some(record) = running.join_next().await {
        records.push(record?);
    }
    attempt::record(delivery, &records).await?;
    Ok(count)
}
