//! CORS for a front-end served from another origin: the origins the operator listed may call
//! `/api/` from a browser; every other origin gets no CORS header at all, so the browser blocks it.
//! Token authentication (`Authorization: Token …`) needs no credentials mode, so
//! `Access-Control-Allow-Credentials` is never sent.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use std::sync::Arc;

pub use instance_contract::origin::{AllowedOrigin, OriginError};

const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOWED_HEADERS: &str = "Authorization, Content-Type, X-Request-ID";
/// How long a browser may reuse a preflight's answer.
const PREFLIGHT_MAX_AGE_SECONDS: &str = "600";

/// The origins an instance answers; built once at start from the bootstrap file.
#[derive(Clone, Debug, Default)]
pub struct CorsOrigins(Arc<HashSet<String>>);

impl CorsOrigins {
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, OriginError> {
        let origins = raw
            .iter()
            .map(|o| AllowedOrigin::parse(o.as_ref()).map(|o| o.as_str().to_owned()))
            .collect::<Result<_, _>>()?;
        Ok(Self(Arc::new(origins)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The request's `Origin` when it is one of ours.
    fn allowed(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        let origin = headers.get(header::ORIGIN)?;
        let parsed = AllowedOrigin::parse(origin.to_str().ok()?).ok()?;
        self.0.contains(parsed.as_str()).then(|| origin.clone())
    }
}

/// Middleware on every request: answers preflights of `/api/` for allowed origins, adds the
/// allowed origin to the answers of `/api/`, and leaves everything else untouched.
pub async fn cors(State(origins): State<CorsOrigins>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let origin = origins.allowed(request.headers());
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = match (&origin, preflight) {
        (Some(origin), true) => preflight_answer(origin),
        _ => next.run(request).await,
    };
    let headers = response.headers_mut();
    // The answer depends on the Origin whenever CORS is on: caches must not mix them up.
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

fn preflight_answer(origin: &HeaderValue) -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone()),
            (
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOWED_METHODS),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOWED_HEADERS),
            ),
            (
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECONDS),
            ),
        ],
    )
        .into_response()
}
