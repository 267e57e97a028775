//! Starting and stopping the service: `start` binds, spawns and returns a handle, so tests run the
//! real service on port 0 and stop it cleanly.

use crate::api::{self, AppState};
use crate::cli::StorageArgs;
use crate::config::ServeArgs;
use crate::domain::AddressPolicy;
use crate::public_urls::PublicUrls;
use crate::sandbox;
use crate::store::Db;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub struct App {
    pub api_addr: SocketAddr,
    pub db: Db,
    shutdown: CancellationToken,
    tasks: JoinSet<anyhow::Result<()>>,
}

pub async fn start(storage: &StorageArgs, args: &ServeArgs) -> anyhow::Result<App> {
    args.validate()?;
    crate::metrics::install();
    let db = storage.open(args.db_connections).await?;
    let api_listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding the API to {}", args.listen))?;
    let api_addr = api_listener.local_addr()?;
    sandbox::apply(&db, args.sandbox_enabled()).await?;

    let public_port = args.public_port.unwrap_or(args.router_listen.port());
    let state = AppState {
        db: db.clone(),
        urls: PublicUrls::new(&args.public_scheme, &args.base_domain, public_port),
        webhook_policy: AddressPolicy::new(args.webhook_allowed_networks.clone()),
        rate_limiter: api::auth::RateLimiter::new(args.rate_limit, args.rate_limit_burst)
            .map(Arc::new),
    };
    let delivery = crate::delivery::Delivery::new(db.clone(), args, &storage.data_dir)?;
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    tasks.spawn(crate::delivery::run(delivery, shutdown.clone()));
    let stop = shutdown.clone();
    tasks.spawn(async move {
        axum::serve(api_listener, api::router(state))
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
            .context("serving the API")
    });
    tracing::info!(sandbox = args.sandbox_enabled(), backend = ?db.backend(), "partner API listening on http://{api_addr}");
    Ok(App {
        api_addr,
        db,
        shutdown,
        tasks,
    })
}

impl App {
    /// Stops accepting, lets requests in flight finish, stops the workers, closes the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let mut first_error = None;
        while let Some(joined) = self.tasks.join_next().await {
            if let Err(e) = joined.map_err(anyhow::Error::from).and_then(|r| r) {
                first_error.get_or_insert(e);
            }
        }
        self.db.close().await;
        first_error.map_or(Ok(()), Err)
    }

    /// Runs until SIGTERM or Ctrl-C, then stops gracefully.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        self.stop().await
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the service");
            let _ = ctrl_c.await;
            return;
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
