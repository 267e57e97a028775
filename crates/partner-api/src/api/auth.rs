//! `Authorization: Bearer <API key>`: the partner behind the key, and its request rate.

use super::error::ApiError;
use super::request_log::RequestLog;
use super::AppState;
use crate::domain::PartnerId;
use crate::store::api_keys;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;

/// The authenticated partner of a request.
pub struct Partner(pub PartnerId);

impl FromRequestParts<AppState> for Partner {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .ok_or(ApiError::Unauthenticated)?;
        let partner = api_keys::authenticate(&state.db, presented)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        if let Some(log) = parts.extensions.get::<RequestLog>() {
            log.set_partner(&partner);
        }
        if let Some(limiter) = &state.rate_limiter {
            limiter.check(&partner)?;
        }
        Ok(Self(partner))
    }
}

/// The token of a `Bearer` credential; the scheme is case-insensitive (RFC 9110).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Requests per second for each partner, with a burst allowance.
pub struct RateLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl RateLimiter {
    /// `None` when `per_second` is 0: no limit.
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        let per_second = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst.max(per_second.get())).unwrap_or(per_second);
        Some(Self {
            limiter: governor::RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
        })
    }

    fn check(&self, partner: &PartnerId) -> Result<(), ApiError> {
        self.limiter
            .check_key(&partner.as_str().to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                ApiError::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bearer_credential_yields_a_token() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer   abc "), Some("abc"));
        assert_eq!(bearer_token("Basic dXNlcjpwdw=="), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }

    #[test]
    fn a_partner_over_its_burst_is_told_when_to_retry() {
        let limiter = RateLimiter::new(1, 2).unwrap();
        let partner = PartnerId::parse("p").unwrap();
        assert!(limiter.check(&partner).is_ok());
        assert!(limiter.check(&partner).is_ok());
        assert!(matches!(
            limiter.check(&partner),
            Err(ApiError::RateLimited {
                retry_after_secs: 1
            })
        ));
        assert!(
            limiter.check(&PartnerId::parse("q").unwrap()).is_ok(),
            "partners have separate budgets"
        );
        assert!(RateLimiter::new(0, 10).is_none());
    }
}
