//! The Partner API over HTTP: thin handlers that extract, call the domain and the store, and map
//! the result.

pub mod auth;
pub mod body;
pub mod error;
pub mod events;
pub mod health;
pub mod idempotency;
pub mod instances;
pub mod metrics;
pub mod openapi;
pub mod partner;
pub mod request_log;
pub mod webhook_secret;

use crate::deploy::Deployer;
use crate::domain::{AddressPolicy, PartnerId};
use crate::public_urls::PublicUrls;
use crate::store::{partners, Db};
use axum::Router;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub urls: PublicUrls,
    /// Webhook destinations the operator allows beyond public addresses.
    pub webhook_policy: AddressPolicy,
    pub rate_limiter: Option<Arc<auth::RateLimiter>>,
    /// Ends long polls at shutdown, so it does not wait for them.
    pub shutdown: CancellationToken,
    /// Reaches running instances for what the API does synchronously (a fresh activation link).
    pub deployer: Deployer,
}

impl AppState {
    /// The addresses this partner may register webhooks at.
    pub async fn webhook_policy(
        &self,
        partner: &PartnerId,
    ) -> Result<AddressPolicy, error::ApiError> {
        let allows_loopback = partners::get(&self.db, partner)
            .await?
            .is_some_and(|p| p.allow_loopback_webhooks);
        Ok(if allows_loopback {
            self.webhook_policy.with_loopback()
        } else {
            self.webhook_policy.clone()
        })
    }
}

pub fn router(state: AppState, sandbox: bool) -> Router {
    let (router, mut openapi) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::root))
        .routes(routes!(health::v1_root))
        .routes(routes!(partner::partner_id))
        .routes(routes!(instances::create::create, instances::read::list))
        .routes(routes!(
            instances::read::get,
            instances::change::update,
            instances::change::delete
        ))
        .routes(routes!(instances::activation::reissue))
        .routes(routes!(events::list))
        .routes(routes!(events::redeliver))
        .routes(routes!(webhook_secret::get))
        .routes(routes!(webhook_secret::rotate))
        .split_for_parts();
    openapi::add_shared_answers(&mut openapi);
    let emulator = sandbox.then(|| crate::d360::emulator::router(state.clone()));
    let router = match emulator {
        Some(emulator) => router.nest(crate::d360::emulator::MOUNT, emulator),
        None => router,
    };
    router
        .route("/v1", axum::routing::get(health::v1_root))
        .route("/metrics", axum::routing::get(metrics::scrape))
        .merge(utoipa_swagger_ui::SwaggerUi::new("/docs").url("/openapi.json", openapi))
        .fallback(error::route_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn(request_log::log_requests))
        .with_state(state)
}
