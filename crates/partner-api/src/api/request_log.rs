//! One log line a request: method, path, status, latency and, once authenticated, the partner.
//! The query string and headers are left out, so no key or secret reaches the log.

use crate::domain::PartnerId;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Filled in by the authentication extractor, read when the answer goes out.
#[derive(Clone, Default)]
pub struct RequestLog {
    partner: Arc<OnceLock<String>>,
}

impl RequestLog {
    pub fn set_partner(&self, partner: &PartnerId) {
        let _ = self.partner.set(partner.as_str().to_owned());
    }
}

pub async fn log_requests(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let log = RequestLog::default();
    req.extensions_mut().insert(log.clone());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "partner_api::http",
        %method,
        path,
        status,
        latency_ms = format!("{latency_ms:.1}"),
        partner_id = log.partner.get().map(String::as_str).unwrap_or("-"),
        "request"
    );
    crate::metrics::record_request(
        route.as_deref().unwrap_or("unmatched"),
        method.as_str(),
        status,
        started.elapsed(),
    );
    response
}
