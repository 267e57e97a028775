//! The addresses partners and browsers use to reach an instance.

use crate::domain::Subdomain;

#[derive(Clone, Debug)]
pub struct PublicUrls {
    scheme: String,
    base_domain: String,
    /// `None` when it is the scheme's default port and so is left out of URLs.
    port: Option<u16>,
}

impl PublicUrls {
    pub fn new(scheme: &str, base_domain: &str, port: u16) -> Self {
        let default_port = matches!((scheme, port), ("http", 80) | ("https", 443));
        Self {
            scheme: scheme.to_owned(),
            base_domain: base_domain.trim_matches('.').to_ascii_lowercase(),
            port: (!default_port).then_some(port),
        }
    }

    pub fn base_domain(&self) -> &str {
        &self.base_domain
    }

    /// `mycompany-test.inbox.localhost`
    pub fn host(&self, subdomain: &Subdomain) -> String {
        format!("{subdomain}.{}", self.base_domain)
    }

    /// `http://mycompany-test.inbox.localhost:8080`
    pub fn origin(&self, subdomain: &Subdomain) -> String {
        match self.port {
            Some(port) => format!("{}://{}:{port}", self.scheme, self.host(subdomain)),
            None => format!("{}://{}", self.scheme, self.host(subdomain)),
        }
    }

    pub fn health_check(&self, subdomain: &Subdomain) -> String {
        format!("{}/api/v1/status/health", self.origin(subdomain))
    }

    pub fn activation_url(&self, subdomain: &Subdomain, code: &str) -> String {
        format!("{}/confirm_account?c={code}", self.origin(subdomain))
    }

    /// The subdomain a request's `Host` header names, if it is under the base domain.
    pub fn subdomain_of_host<'a>(&self, host: &'a str) -> Option<&'a str> {
        let name = host
            .rsplit_once(':')
            .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(n, _)| n);
        let label = name.strip_suffix(&self.base_domain)?.strip_suffix('.')?;
        (!label.is_empty() && !label.contains('.')).then_some(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(s: &str) -> Subdomain {
        Subdomain::parse(s).unwrap().unwrap()
    }

    #[test]
    fn urls_carry_the_port_unless_it_is_the_default_one() {
        let local = PublicUrls::new("http", "inbox.localhost", 8080);
        assert_eq!(
            local.health_check(&sub("mycompany-test")),
            "http://mycompany-test.inbox.localhost:8080/api/v1/status/health"
        );
        let prod = PublicUrls::new("https", "inbox.example.com", 443);
        assert_eq!(
            prod.activation_url(&sub("acme"), "c0de"),
            "https://acme.inbox.example.com/confirm_account?c=c0de"
        );
    }

    #[test]
    fn the_subdomain_is_read_from_a_host_header() {
        let urls = PublicUrls::new("http", "inbox.localhost", 8080);
        assert_eq!(
            urls.subdomain_of_host("acme.inbox.localhost:8080"),
            Some("acme")
        );
        assert_eq!(urls.subdomain_of_host("acme.inbox.localhost"), Some("acme"));
        assert_eq!(urls.subdomain_of_host("inbox.localhost"), None);
        assert_eq!(urls.subdomain_of_host("a.b.inbox.localhost"), None);
        assert_eq!(urls.subdomain_of_host("acme.other.host"), None);
    }
}
