#![forbid(unsafe_code)]

use clap::Parser;
use inbox::cli::Cli;
use inbox::{startup, telemetry, wipe};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before any thread starts: which files the loader mapped, whose pages a quiet instance gives
    // back (see `quiet`).
    let startup_files = working_set::StartupFiles::capture().unwrap_or_default();
    let cli = Cli::parse();
    telemetry::init();
    if cli.wipe_data {
        return match wipe::data_dir(&cli.data_dir) {
            Ok(removed) => {
                println!(
                    "wiped {}: {removed} entries removed",
                    cli.data_dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: wiping {}: {e}", cli.data_dir.display());
                ExitCode::FAILURE
            }
        };
    }
    // One thread serves everything: an instance is small and idle most of the time, and a
    // single-threaded runtime keeps its memory low. Password hashing runs on the blocking pool.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(2)
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(startup::run(cli, startup_files)),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
