//! The HTTP client that sends webhooks to partner-chosen URLs without letting them reach the
//! platform's own network (SSRF): every address is checked when it is connected to, not only when
//! the URL was registered, so a DNS answer that changes later (rebinding) is caught too.

use crate::domain::AddressPolicy;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// Why a destination was not contacted.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("destination refused: {host} is not a public address")]
    Address { host: String },
    #[error(
        "destination refused: {host} resolves only to addresses that are not public ({addrs})"
    )]
    Resolved { host: String, addrs: String },
    #[error("destination refused: only http and https URLs are sent to")]
    Scheme,
}

/// Resolves names with the system resolver and keeps only the addresses the policy permits.
struct PolicyResolver {
    policy: AddressPolicy,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|addr| policy.permits(addr.ip()))
                .collect();
            if permitted.is_empty() && !resolved.is_empty() {
                let addrs = resolved
                    .iter()
                    .map(|a| a.ip().to_string())
                    .collect::<Vec<_>>();
                return Err(Box::new(Refused::Resolved {
                    host,
                    addrs: addrs.join(", "),
                }) as _);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

/// A client bound to one address policy; hosts given as IP literals are checked before sending
/// (the resolver is not asked about them).
#[derive(Clone)]
pub struct SafeClient {
    client: reqwest::Client,
    policy: AddressPolicy,
}

impl SafeClient {
    pub fn new(
        policy: AddressPolicy,
        timeout: Duration,
        max_idle_per_host: usize,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(PolicyResolver {
                policy: policy.clone(),
            }))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(max_idle_per_host)
            .user_agent(concat!("partner-api/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, policy })
    }

    /// A POST to `url`, or why it may not be sent.
    pub fn post(&self, url: &Url) -> Result<reqwest::RequestBuilder, Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scheme);
        }
        let literal = match url.host() {
            Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(Host::Domain(_)) => None,
            None => {
                return Err(Refused::Address {
                    host: String::new(),
                })
            }
        };
        if let Some(ip) = literal.filter(|ip| !self.policy.permits(*ip)) {
            return Err(Refused::Address {
                host: ip.to_string(),
            });
        }
        Ok(self.client.post(url.clone()))
    }
}

/// The refusal somewhere in an error's chain of causes, if the error is one.
pub fn find_refusal<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return Some(refused);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> SafeClient {
        SafeClient::new(AddressPolicy::default(), Duration::from_secs(1), 1).unwrap()
    }

    #[test]
    fn internal_ip_literals_and_other_schemes_are_refused_before_sending() {
        for raw in [
            "http://127.0.0.1:9/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/latest",
            "http://2130706433/",
            "http://10.0.0.1/",
        ] {
            let url = Url::parse(raw).unwrap();
            assert!(
                matches!(strict().post(&url), Err(Refused::Address { .. })),
                "{raw}"
            );
        }
        let ftp = Url::parse("ftp://example.com/").unwrap();
        assert!(matches!(strict().post(&ftp), Err(Refused::Scheme)));
        assert!(strict()
            .post(&Url::parse("https://93.184.216.34/").unwrap())
            .is_ok());
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_when_connecting() {
        let url = Url::parse("http://localhost:9/hook").unwrap();
        let err = strict().post(&url).unwrap().send().await.unwrap_err();
        let refusal = find_refusal(&err).expect("the resolver's refusal is in the chain");
        assert!(refusal.to_string().contains("127.0.0.1"), "{refusal}");
    }
}
