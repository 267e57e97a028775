//! Logs go to stderr (stdout carries only the `listening on` line); `RUST_LOG` tunes them.

use std::io::IsTerminal;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const DEFAULT_FILTER: &str = "info,sqlx=warn";

pub fn init() {
    // `Targets` takes `RUST_LOG`'s `level` and `target=level` directives, not `EnvFilter`'s span
    // and field filters: it needs no regex engine, whose code would stay resident in every idle
    // instance.
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| DEFAULT_FILTER.parse().unwrap_or_default());
    // The control plane's rule: colour only for a person at a terminal, plain text in log files.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let format = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    let _ = tracing_subscriber::registry()
        .with(format)
        .with(filter)
        .try_init();
}
