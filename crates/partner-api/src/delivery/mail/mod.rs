//! The activation e-mail: handed to an SMTP server (`--smtp-url`) or, without one, written as an
//! `.eml` file into `<data-dir>/outbox/` for the operator to open.

mod message;
mod smtp;

pub use message::SUBJECT;
pub use smtp::SmtpUrl;

use super::{Outcome, Verdict};
use crate::store::events::ClaimedEvent;
use anyhow::Context;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use message::{activation_message, Activation};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

pub(crate) struct Mailer {
    from: Mailbox,
    sink: Sink,
}

enum Sink {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

impl Mailer {
    pub(crate) fn new(
        smtp: Option<&SmtpUrl>,
        from: Mailbox,
        outbox: &Path,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let sink = match smtp {
            Some(url) => {
                if url.sends_credentials_in_clear() {
                    tracing::warn!(smtp = %url, "SMTP credentials are sent without TLS to a host that is not this machine");
                }
                Sink::Smtp(url.transport(timeout)?)
            }
            None => Sink::Outbox(outbox.to_owned()),
        };
        Ok(Self { from, sink })
    }

    /// One attempt: an SMTP server that is down or answers 4xx is tried again on the schedule; a
    /// 5xx answer (the address is refused) or an event that cannot become a message fails at once.
    pub(crate) async fn send(&self, event: &ClaimedEvent) -> Outcome {
        let message = match self.build(event) {
            Ok(message) => message,
            Err(e) => return Outcome::stop(format!("{e:#}"), "smtp_error"),
        };
        match &self.sink {
            Sink::Smtp(transport) => match transport.send(message).await {
                Ok(response) => Outcome {
                    http_status: None,
                    error: None,
                    response_body: Some(format!(
                        "{} {}",
                        response.code(),
                        response.message().collect::<Vec<_>>().join(" ")
                    )),
                    label: "success",
                    verdict: Verdict::Success,
                },
                Err(e) if e.is_permanent() => Outcome::stop(format!("SMTP: {e}"), "smtp_error"),
                Err(e) => Outcome::retry(format!("SMTP: {e}"), "smtp_error"),
            },
            Sink::Outbox(dir) => match write_eml(dir, event, &message.formatted()).await {
                Ok(name) => Outcome {
                    http_status: None,
                    error: None,
                    response_body: Some(format!("written to the outbox as {name}")),
                    label: "success",
                    verdict: Verdict::Success,
                },
                Err(e) => Outcome::retry(format!("{e:#}"), "smtp_error"),
            },
        }
    }

    fn build(&self, event: &ClaimedEvent) -> anyhow::Result<lettre::Message> {
        let activation: Activation =
            serde_json::from_str(&event.payload).context("the activation e-mail's payload")?;
        let to: Mailbox = event
            .target
            .parse()
            .with_context(|| format!("recipient {:?}", event.target))?;
        activation_message(&self.from, to, &activation)
    }
}

/// `<outbox>/<event id>-<attempt>.eml`, written whole or not at all.
async fn write_eml(dir: &Path, event: &ClaimedEvent, bytes: &[u8]) -> anyhow::Result<String> {
    let name = format!("{}-{}.eml", event.id, event.attempt);
    // An activation e-mail carries a sign-in link: only the service's own user may read it.
    tokio::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .await
        .with_context(|| format!("creating {}", dir.display()))?;
    tokio::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .await
        .with_context(|| format!("restricting {}", dir.display()))?;
    let partial = dir.join(format!(".{name}.partial"));
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .await
        .with_context(|| format!("writing {}", partial.display()))?;
    file.write_all(bytes)
        .await
        .with_context(|| format!("writing {}", partial.display()))?;
    file.flush().await?;
    let path = dir.join(&name);
    tokio::fs::rename(&partial, &path).await?;
    tracing::info!(path = %path.display(), to = %event.target, "activation e-mail written to the outbox (no --smtp-url)");
    Ok(name)
}
