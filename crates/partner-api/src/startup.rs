//! Starting and stopping the service: `start` binds, spawns and returns a handle, so tests run the
//! real service on port 0 and stop it cleanly.

use crate::api::{self, AppState};
use crate::cli::StorageArgs;
use crate::config::{DriverKind, ServeArgs};
use crate::d360::D360Client;
use crate::deploy::driver::{DockerDriver, Driver, ProcessDriver, SwarmDriver};
use crate::deploy::{self, Deployer};
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
    pub router_addr: SocketAddr,
    pub db: Db,
    pub deployer: Deployer,
    shutdown: CancellationToken,
    tasks: JoinSet<anyhow::Result<()>>,
}

pub async fn start(storage: &StorageArgs, args: &ServeArgs) -> anyhow::Result<App> {
    args.validate()?;
    crate::limits::raise(crate::limits::PLANNED_INSTANCES);
    crate::metrics::install();
    let db = storage.open(args.db_connections).await?;
    let shutdown = CancellationToken::new();
    let api_listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding the API to {}", args.listen))?;
    let api_addr = api_listener.local_addr()?;
    let router_listener = TcpListener::bind(args.router_listen)
        .await
        .with_context(|| format!("binding the instance router to {}", args.router_listen))?;
    let router_addr = router_listener.local_addr()?;
    let api_origin = format!("http://{}", loopback_if_unspecified(api_addr));
    let origin_for_instances = args.sandbox_origin.as_deref().unwrap_or(&api_origin);
    sandbox::apply(
        &db,
        args.sandbox_enabled(),
        &api_origin,
        origin_for_instances,
    )
    .await?;

    let public_port = args.public_port.unwrap_or(router_addr.port());
    let urls = PublicUrls::new(&args.public_scheme, &args.base_domain, public_port);
    let driver: Arc<dyn Driver> = match args.driver {
        DriverKind::Process => Arc::new(ProcessDriver::new(args.inbox_bin()?, &storage.data_dir)?),
        DriverKind::Docker => Arc::new(DockerDriver::connect(args.engine_settings()).await?),
        DriverKind::Swarm => Arc::new(
            SwarmDriver::connect(
                args.engine_settings(),
                args.swarm_network.clone(),
                args.swarm_reach,
                args.shared_volumes()?,
            )
            .await?,
        ),
    };
    let d360 = D360Client::new(std::time::Duration::from_secs(args.d360_timeout_seconds));
    let deployer = Deployer::new(
        db.clone(),
        d360,
        driver.clone(),
        urls.clone(),
        args.deploy_settings(),
    );
    let state = AppState {
        db: db.clone(),
        urls: urls.clone(),
        webhook_policy: AddressPolicy::new(args.webhook_allowed_networks.clone()),
        rate_limiter: api::auth::RateLimiter::new(args.rate_limit, args.rate_limit_burst)
            .map(Arc::new),
        shutdown: shutdown.clone(),
        deployer: deployer.clone(),
    };
    let delivery = crate::delivery::Delivery::new(db.clone(), args, &storage.data_dir)?;
    let mut tasks = JoinSet::new();
    tasks.spawn(crate::delivery::run(delivery, shutdown.clone()));
    let stop = shutdown.clone();
    let api_router = api::router(state, args.sandbox_enabled());
    let api_limits = args.listener_limits(false);
    tasks.spawn(async move {
        http_listener::serve(api_listener, api_router, api_limits, stop.cancelled_owned()).await;
        Ok(())
    });
    let stop = shutdown.clone();
    let instance_router = crate::router::app(
        deployer.clone(),
        urls,
        args.public_scheme == "https",
        crate::router::TrustedProxies::new(args.trusted_proxies.clone()),
    );
    let router_limits = args.listener_limits(true);
    tasks.spawn(async move {
        let stop = stop.cancelled_owned();
        http_listener::serve(router_listener, instance_router, router_limits, stop).await;
        Ok(())
    });
    deploy::spawn_workers(&deployer, &shutdown, &mut tasks);
    let reconciler = deployer.clone();
    let stop = shutdown.clone();
    tasks.spawn(async move {
        let exited = reconciler.driver.exited();
        deploy::run_reconciler(reconciler, exited, stop).await;
        Ok(())
    });
    let sleeper = deployer.clone();
    let stop = shutdown.clone();
    tasks.spawn(async move {
        deploy::sleep::run(sleeper, stop).await;
        Ok(())
    });
    let key_checker = deployer.clone();
    let stop = shutdown.clone();
    tasks.spawn(async move {
        deploy::run_key_check(key_checker, stop).await;
        Ok(())
    });
    tracing::info!(sandbox = args.sandbox_enabled(), backend = ?db.backend(), driver = driver.name(), "partner API listening on http://{api_addr}");
    tracing::info!("instance router listening on http://{router_addr}");
    Ok(App {
        api_addr,
        router_addr,
        db,
        deployer,
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
        self.deployer.driver.shutdown().await;
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

/// An address this machine can call itself on, for a service bound to `0.0.0.0` or `::`.
fn loopback_if_unspecified(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => {
            SocketAddr::from(([127, 0, 0, 1], addr.port()))
        }
        ip if ip.is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port())),
        _ => addr,
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
