//! The client that delivers the channels' webhooks. It reaches instance URLs such as
//! `http://acme.inbox.localhost:8080/…` as a browser would: `localhost` and every name under it
//! are this machine (RFC 6761), whatever the system resolver thinks of them.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

struct LocalhostResolver;

fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

impl Resolve for LocalhostResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            if is_localhost(&host) {
                // The port is the URL's: the connector sets it on every address.
                let loopback = [
                    SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                    SocketAddr::from((Ipv6Addr::LOCALHOST, 0)),
                ];
                return Ok(Box::new(loopback.into_iter()) as Addrs);
            }
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(resolved.into_iter()) as Addrs)
        })
    }
}

/// No proxy and no redirects: a webhook goes to the registered URL or nowhere.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(LocalhostResolver))
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent("360dialog-sandbox-emulator")
        .build()
        .expect("a reqwest client with static settings builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_and_its_subdomains_are_this_machine() {
        for name in ["localhost", "acme.inbox.localhost", "A.LOCALHOST."] {
            assert!(is_localhost(name), "{name}");
        }
        for name in ["localhost.example.com", "mylocalhost", "example.com"] {
            assert!(!is_localhost(name), "{name}");
        }
    }

    #[tokio::test]
    async fn a_subdomain_of_localhost_is_reached_on_loopback() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "here" }));
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let answer = client()
            .get(format!("http://acme.inbox.localhost:{port}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.text().await.unwrap(), "here");
        server.abort();
    }
}
