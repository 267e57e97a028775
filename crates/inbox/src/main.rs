//! Interim instance binary: health and the configurator's token only. The full inbox replaces it.
#![forbid(unsafe_code)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use inbox::bootstrap::Bootstrap;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
struct Args {
    #[arg(long, env = "INBOX_BOOTSTRAP")]
    bootstrap: PathBuf,
    #[arg(long, env = "INBOX_DATA_DIR")]
    data_dir: PathBuf,
    #[arg(long, env = "INBOX_LISTEN", default_value = "127.0.0.1:0")]
    listen: String,
    #[arg(long)]
    exit_with_parent: bool,
    /// With --exit-with-parent: the pid the parent must have (else exit at once).
    #[arg(long, env = "INBOX_PARENT_PID")]
    parent_pid: Option<u32>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bootstrap: Bootstrap = serde_json::from_slice(&std::fs::read(&args.bootstrap)?)?;
    std::fs::create_dir_all(&args.data_dir)?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(serve(args, bootstrap))
}

async fn serve(args: Args, bootstrap: Bootstrap) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("listening on {}", listener.local_addr()?);
    if args.exit_with_parent {
        let parent = args
            .parent_pid
            .unwrap_or_else(std::os::unix::process::parent_id);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(0);
                }
            }
        });
    }
    let app = Router::new()
        .route("/api/v1/status/health", get(health))
        .route("/api/v1/users/current/", get(current_user))
        .with_state(Arc::new(bootstrap));
    axum::serve(listener, app).await?;
    Ok(())
}

async fn health(State(b): State<Arc<Bootstrap>>) -> Json<serde_json::Value> {
    Json(json!({"status": "healthy", "instance_id": b.instance_id}))
}

async fn current_user(
    State(b): State<Arc<Bootstrap>>,
    headers: HeaderMap,
) -> (StatusCode, Json<serde_json::Value>) {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Token "));
    match (&b.configurator, token) {
        (Some(c), Some(t)) if hex::encode(Sha256::digest(t.as_bytes())) == c.token_sha256 => (
            StatusCode::OK,
            Json(json!({"username": c.user_name, "role": "configurator"})),
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"detail": "Authentication credentials were not provided."})),
        ),
    }
}
