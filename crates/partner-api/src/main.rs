#![forbid(unsafe_code)]

use clap::Parser;
use partner_api::cli::{Cli, Command};
use partner_api::{commands, startup, telemetry};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(&cli.log_format);
    let result = match cli.command {
        Command::Serve(args) => match startup::start(&cli.storage, &args).await {
            Ok(app) => app.run_until_signal().await,
            Err(e) => Err(e),
        },
        Command::Partners(command) => commands::partners(&cli.storage, command).await,
        Command::Keys(command) => commands::keys(&cli.storage, command).await,
        Command::Sandbox(command) => commands::sandbox(&cli.storage, command).await,
        Command::Images(command) => commands::images(command).await,
        Command::Probe { url } => commands::probe(&url).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
