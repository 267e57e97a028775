//! From the command line to a serving instance: database, bootstrap, listener, routes, and a
//! graceful stop.

use crate::bootstrap::{Bootstrap, FrontEndBootstrap};
use crate::cli::Cli;
use crate::cors::{self, CorsOrigins};
use crate::state::AppState;
use crate::store::Store;
use crate::web_root::{self, WebRoot};
use crate::{api, clock, lifetime, messaging, misdirected, provision, push, quiet, web};
use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use working_set::StartupFiles;

/// Requests of this API are small; anything bigger is refused before it is read.
const BODY_LIMIT: usize = 64 * 1024;
/// After a stop is asked for, open connections get this long to finish.
const GRACE: Duration = Duration::from_secs(3);

pub async fn run(cli: Cli, startup_files: StartupFiles) -> anyhow::Result<()> {
    let started = Instant::now();
    // Taken first: the parent may die while the database opens.
    let parent_to_watch = cli.parent_to_watch();
    let bootstrap = cli.bootstrap.as_deref().context("--bootstrap is missing")?;
    let file = read_bootstrap(bootstrap)?;
    let front_end = FrontEnd::check(&file.front_end)?;
    let store = Store::open(&cli.data_dir).await?;
    let identity = provision::apply(&store, &file, clock::now()).await?;
    let listener = TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    let address = listener.local_addr()?;
    announce(address)?;
    tracing::info!(
        %address,
        instance_id = identity.instance_id,
        startup_ms = started.elapsed().as_millis() as u64,
        "serving"
    );
    let state = AppState::new(store.clone(), identity, &cli.data_dir);
    messaging::start(&state);
    quiet::start(state.activity.clone(), store.clone(), startup_files);
    let app = router(state, front_end);
    serve(listener, app, cli.listener_limits(), parent_to_watch).await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The operator's front-end settings from the bootstrap file, checked before anything is served.
pub struct FrontEnd {
    pub cors: CorsOrigins,
    pub web_root: Option<WebRoot>,
}

impl FrontEnd {
    pub fn check(file: &FrontEndBootstrap) -> anyhow::Result<Self> {
        let cors =
            CorsOrigins::parse(&file.cors_origins).context("the bootstrap's CORS origins")?;
        let web_root = file.web_root.as_deref().map(WebRoot::open).transpose()?;
        Ok(Self { cors, web_root })
    }
}

pub fn router(state: AppState, front_end: FrontEnd) -> Router {
    let app = api::router().merge(push::router()).merge(web::router());
    // With a web root, `/` is the operator's single-page app; without, our web inbox.
    let app = match front_end.web_root {
        Some(root) => app.merge(web_root::routes(root)),
        None => app
            .route("/", get(|| async { Redirect::to("/inbox/") }))
            .fallback(not_found),
    };
    let app = if front_end.cors.is_empty() {
        app
    } else {
        app.layer(axum::middleware::from_fn_with_state(
            front_end.cors,
            cors::cors,
        ))
    };
    app.layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            push::upgrade_at_root,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            misdirected::refuse_misdirected,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            quiet::track,
        ))
        .with_state(state)
}

fn read_bootstrap(path: &Path) -> anyhow::Result<Bootstrap> {
    let raw = std::fs::read(path)
        .with_context(|| format!("cannot read the bootstrap file {}", path.display()))?;
    serde_json::from_slice(&raw)
        .with_context(|| format!("the bootstrap file {} is not valid", path.display()))
}

/// The one line on stdout: the control plane reads it to learn the port.
fn announce(address: SocketAddr) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {address}")?;
    stdout.flush().context("cannot write to stdout")
}

/// Serves through the shared listener (its timeouts and caps), until a stop is asked for.
async fn serve(
    listener: TcpListener,
    app: Router,
    limits: http_listener::Limits,
    parent_to_watch: Option<u32>,
) {
    let (stopping, mut stop_seen) = tokio::sync::watch::channel(false);
    let graceful = async move {
        let why = lifetime::stop_requested(parent_to_watch).await;
        tracing::info!("stopping: {why}");
        let _ = stopping.send(true);
    };
    let server = http_listener::serve(listener, app, limits, graceful);
    let deadline = async {
        let _ = stop_seen.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(GRACE).await;
    };
    tokio::select! {
        () = server => {}
        () = deadline => tracing::warn!("connections still open after {GRACE:?}: stopping anyway"),
    }
}

/// The answer to a path nothing serves: the API's JSON 404 under `/api/`, the pages' elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        api::not_found().await.into_response()
    } else {
        web::not_found().await.into_response()
    }
}
