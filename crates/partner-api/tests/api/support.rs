//! The real service on port 0, on a fresh SQLite file or a fresh PostgreSQL database per test.

use partner_api::cli::StorageArgs;
use partner_api::config::ServeArgs;
use partner_api::domain::PartnerId;
use partner_api::startup::{self, App};
use partner_api::store::{api_keys, partners, Db};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use std::path::PathBuf;

pub const SANDBOX_KEY: &str = "LRoWRCjm1bdwlqDjfdYw";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `postgres://…/postgres` of the server the tests create their databases on.
fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database of its own for one test, dropped when the test ends.
pub struct PostgresDatabase {
    pub url: String,
    name: String,
}

impl PostgresDatabase {
    pub async fn create() -> Self {
        use sqlx::Connection;
        let name = format!(
            "pa_test_{}",
            partner_api::crypto::random_alphanumeric(16).to_ascii_lowercase()
        );
        let admin_url = postgres_admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("PostgreSQL must run for the tests (see README): connect to TEST_POSTGRES_URL");
        sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("TEST_POSTGRES_URL needs a database path"),
        };
        Self { url, name }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        let drop_it = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                    let _ = sqlx::Executor::execute(
                        &mut conn,
                        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                    )
                    .await;
                }
            });
        });
        let _ = drop_it.join();
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub storage: StorageArgs,
    pub args: ServeArgs,
    app: Option<App>,
    pub dir: tempfile::TempDir,
    _pg: Option<PostgresDatabase>,
}

pub fn serve_args() -> ServeArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ServeArgs,
    }
    let mut args = Wrapper::parse_from(["test"]).args;
    args.listen = "127.0.0.1:0".parse().unwrap();
    args.router_listen = "127.0.0.1:0".parse().unwrap();
    args.webhook_allowed_networks = vec!["127.0.0.0/8".parse().unwrap()];
    args.rate_limit = 0;
    args.inbox_bin = Some(inbox_bin());
    args.job_retry_base_ms = 50;
    args.job_lease_seconds = 5;
    args.instance_health_timeout_seconds = 10;
    args.reconcile_interval_seconds = 1;
    args
}

/// The `inbox` binary `cargo test --workspace` built next to `partner-api`.
pub fn inbox_bin() -> PathBuf {
    let path = partner_api_bin().with_file_name("inbox");
    let built = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
    let crates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    // What the binary is built from; its tests and documents do not rebuild it.
    let sources = [
        "inbox/src",
        "inbox/migrations",
        "instance-contract/src",
        "listener/src",
    ]
    .iter()
    .filter_map(|p| newest_change(&crates.join(p)))
    .max();
    assert!(
        built.is_some_and(|built| sources.is_none_or(|sources| built >= sources)),
        "{} is missing or older than the inbox sources: run the tests with `cargo test --workspace`",
        path.display()
    );
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --workspace`",
        path.display()
    );
    path
}

fn newest_change(path: &std::path::Path) -> Option<std::time::SystemTime> {
    if path.is_file() {
        return std::fs::metadata(path).and_then(|m| m.modified()).ok();
    }
    let mut newest = None;
    for entry in std::fs::read_dir(path).ok()?.flatten() {
        let path = entry.path();
        let changed = if path.is_dir() {
            newest_change(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(changed);
    }
    newest
}

/// An executable shell script in `dir`, to stand in for a broken `inbox`.
pub fn script(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut ServeArgs)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PostgresDatabase::create().await),
        };
        let storage = StorageArgs {
            data_dir: dir.path().join("data"),
            database_url: pg.as_ref().map(|p| p.url.clone()),
            secret_key: None,
            secret_key_file: None,
        };
        let mut args = serve_args();
        configure(&mut args);
        let app = startup::start(&storage, &args)
            .await
            .expect("the service starts");
        let base = format!("http://{}", app.api_addr);
        Self {
            base,
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            storage,
            args,
            app: Some(app),
            dir,
            _pg: pg,
        }
    }

    pub fn db(&self) -> &Db {
        &self.app.as_ref().expect("running").db
    }

    /// The running service's deployer, to drive a worker's single step beside its own workers.
    pub fn deployer(&self) -> &partner_api::deploy::Deployer {
        &self.app.as_ref().expect("running").deployer
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A partner of its own with a fresh key, for isolation between tests and partners.
    pub async fn new_partner(&self, id: &str) -> String {
        let id = PartnerId::parse(id).unwrap();
        partners::create(self.db(), &id).await.unwrap();
        partners::set_allow_loopback_webhooks(self.db(), &id, true)
            .await
            .unwrap();
        api_keys::issue(self.db(), &id).await.unwrap().key
    }

    pub fn request(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(key)
    }

    pub async fn get(&self, path: &str, key: &str) -> Response {
        self.request(Method::GET, path, key).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, key: &str, body: &Value) -> Response {
        self.request(Method::POST, path, key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// `PATCH /v1/instances/{id}` as the sandbox partner.
    pub async fn patch_instance(&self, id: &str, body: &Value) -> Response {
        let path = format!("/v1/instances/{id}");
        let request = self.request(Method::PATCH, &path, SANDBOX_KEY).json(body);
        request.send().await.unwrap()
    }

    /// The same arguments the operator would pass to `partner-api` next to this service.
    pub fn cli_args(&self) -> Vec<String> {
        let mut args = vec![
            "--data-dir".to_owned(),
            self.storage.data_dir.display().to_string(),
        ];
        if let Some(url) = &self.storage.database_url {
            args.extend(["--database-url".to_owned(), url.clone()]);
        }
        args
    }

    /// Stops the service and starts it again on the same database and data directory.
    pub async fn restart_with(&mut self, configure: impl FnOnce(&mut ServeArgs)) {
        if let Some(app) = self.app.take() {
            app.stop().await.unwrap();
        }
        configure(&mut self.args);
        let app = startup::start(&self.storage, &self.args)
            .await
            .expect("the service restarts");
        self.base = format!("http://{}", app.api_addr);
        self.app = Some(app);
    }

    /// Ends the service as a crash would: its tasks are dropped wherever they are, so nothing in
    /// flight finishes or is recorded, and its database connections close. Then starts it again
    /// on the same database and data directory.
    pub async fn crash_and_restart(&mut self) {
        if let Some(app) = self.app.take() {
            let db = app.db.clone();
            drop(app);
            db.close().await;
        }
        self.restart_with(|_| {}).await;
    }

    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            app.stop().await.unwrap();
        }
    }
}

pub async fn json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, value)
}

pub fn partner_api_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_partner-api"))
}

/// Generates `sqlite::name` and `postgres::name` for each `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            )*
        }
    };
}

impl TestApp {
    /// Creates an instance as the sandbox partner and returns the answer.
    pub async fn create(&self, body: Value) -> Value {
        let (status, answer) =
            json(self.post_json("/v1/instances", SANDBOX_KEY, &body).await).await;
        assert_eq!(status, 200, "{answer}");
        answer
    }

    /// `GET /v1/instances/{id}?wait_for=…` as `key`.
    pub async fn wait_for_as(&self, key: &str, id: &str, status: &str, timeout_secs: f64) -> Value {
        let path = format!("/v1/instances/{id}?wait_for={status}&timeout={timeout_secs}");
        let (code, instance) = json(self.get(&path, key).await).await;
        assert_eq!(code, 200, "{instance}");
        instance
    }

    /// Waits (up to 30 s) until the sandbox partner's instance reaches `status`, and returns it.
    pub async fn wait_for(&self, id: &str, status: &str) -> Value {
        let instance = self.wait_for_as(SANDBOX_KEY, id, status, 30.0).await;
        assert_eq!(instance["status"], status, "{instance}");
        instance
    }

    pub fn router_addr(&self) -> std::net::SocketAddr {
        self.app.as_ref().expect("running").router_addr
    }

    /// A request to the instance router as a browser sends it to `{subdomain}.inbox.localhost`.
    pub async fn via_router(&self, subdomain: &str, path: &str) -> Response {
        let port = self.router_addr().port();
        self.client
            .get(format!("http://{}{path}", self.router_addr()))
            .header("Host", format!("{subdomain}.inbox.localhost:{port}"))
            .send()
            .await
            .unwrap()
    }

    /// A fresh key of a sandbox channel from the emulated 360Dialog hub (it revokes the previous one).
    pub async fn sandbox_d360_key(&self, channel: &str) -> String {
        let url = self.url(&format!(
            "/sandbox/360dialog/api/v2/partners/sandbox/channels/{channel}/api_keys"
        ));
        let response = self
            .client
            .post(url)
            .header("X-API-Key", "sandbox-hub-key")
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        let (status, body) = json(response).await;
        assert_eq!(status, 201, "{body}");
        body["api_key"].as_str().unwrap().to_owned()
    }
}

/// Saves `password` with an activation link's code as the password form posts it, through the
/// router at `router` (`http://host:port`) to the inbox answering at `host`; the answer is not
/// followed.
pub async fn save_password_via(
    router: &str,
    host: &str,
    activation_url: &str,
    password: &str,
) -> Response {
    let code = activation_url.rsplit("c=").next().unwrap();
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{router}/confirm_account"))
        .header("Host", host)
        .form(&[
            ("c", code),
            ("password", password),
            ("password_confirmation", password),
        ])
        .send()
        .await
        .unwrap()
}
