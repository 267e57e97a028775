//! Deployments: the durable jobs that make an instance real, the drivers it runs on, and the
//! reconciler that keeps what runs in line with the database.

pub mod activation_link;
mod bring_up;
mod channel;
mod delete_job;
mod deploy_job;
pub mod driver;
mod health;
mod inputs;
mod key_check;
mod platform;
mod reconcile;
mod runtime;
pub mod sleep;
mod spec;
mod step;
mod update_job;
mod worker;

pub use key_check::check_once as check_keys_once;
pub use key_check::run as run_key_check;
pub use reconcile::reconcile_once;
pub use reconcile::run as run_reconciler;
pub use worker::{run_claimed, run_next_job, spawn_workers};

use crate::d360::D360Client;
use crate::public_urls::PublicUrls;
use crate::store::Db;
use driver::Driver;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct DeploySettings {
    /// How long a new instance may take to answer its health check before the deployment fails (704).
    pub health_timeout: Duration,
    /// How long the activation link of a new instance works.
    pub activation_ttl: Duration,
    /// How long a claimed job stays with its worker without a heartbeat.
    pub lease: Duration,
    /// Runs of a job that hit transient failures before it gives up.
    pub max_attempts: i64,
    /// The first retry delay; each further one doubles, up to a minute.
    pub retry_base: Duration,
    pub workers: usize,
    pub reconcile_interval: Duration,
    /// How often each ready instance's 360Dialog key is checked; `None`: never.
    pub key_check_interval: Option<Duration>,
    /// CORS origins and web root every instance gets in its bootstrap.
    pub front_end: instance_contract::bootstrap::FrontEndBootstrap,
    /// A ready instance idle this long sleeps; `None`: never.
    pub idle_after: Option<Duration>,
}

/// What the deployment workers share.
#[derive(Clone)]
pub struct Deployer {
    pub db: Db,
    pub d360: D360Client,
    pub driver: Arc<dyn Driver>,
    pub urls: PublicUrls,
    pub settings: DeploySettings,
    /// Identifies this process's workers in job leases.
    pub worker_id: String,
    /// Which instances are busy, and each instance's turn to sleep or wake.
    pub sleep: Arc<sleep::Sleep>,
    /// The last report read of each instance, so a quiet one is not asked again.
    pub last_reports: Arc<key_check::LastReports>,
    http: reqwest::Client,
}

impl Deployer {
    pub fn new(
        db: Db,
        d360: D360Client,
        driver: Arc<dyn Driver>,
        urls: PublicUrls,
        settings: DeploySettings,
    ) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("a reqwest client with static settings builds");
        Self {
            db,
            d360,
            driver,
            urls,
            settings,
            worker_id: crate::domain::prefixed_random_id("worker"),
            sleep: Arc::default(),
            last_reports: Arc::default(),
            http,
        }
    }
}
