//! The address of the client behind a request, as the router determines it.
//!
//! `X-Forwarded-For` is believed only as far as the proxies the operator trusts wrote it: read
//! from the right, each entry added by a trusted hop names the next hop, and the first address
//! that is not a trusted proxy is the client. Anything to its left was written by the client.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The proxies in front of the router (`--trusted-proxies`); none by default.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The rightmost hop that is not a trusted proxy; the peer itself when it is not trusted. An
    /// entry that is not an address ends the walk at the last hop known.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer;
        if !self.trusts(peer) {
            return client;
        }
        let entries = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for entry in entries.iter().rev() {
            let Ok(hop) = entry.trim().parse::<IpAddr>() else {
                break;
            };
            client = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_sends() {
        let proxies = TrustedProxies::default();
        let client = proxies.client(ip("203.0.113.7"), &forwarded("198.51.100.1"));
        assert_eq!(client, ip("203.0.113.7"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let headers = forwarded("1.2.3.4, 203.0.113.7, 10.0.0.2");
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers), ip("203.0.113.7"));
    }

    #[test]
    fn a_trusted_proxy_without_the_header_or_with_garbage_is_the_client_itself() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let peer = ip("10.0.0.1");
        assert_eq!(proxies.client(peer, &HeaderMap::new()), peer);
        assert_eq!(proxies.client(peer, &forwarded("203.0.113.7, junk")), peer);
    }
}
