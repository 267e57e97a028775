//! The host a request is for, or why the router passes it to no instance.
//!
//! RFC 9112 §3.2: an HTTP/1.1 request has exactly one valid `Host`; with an absolute-form target
//! (`GET http://host/path`) the target's authority is the one that counts (§3.2.2). The router
//! routes by `Host` and passes `Host` on, so a target naming another host is refused rather than
//! sent to one instance under another's name. `CONNECT` asks for a tunnel, which the router does
//! not open.

use axum::extract::Request;
use axum::http::uri::Authority;
use axum::http::{header, Method, Version};

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Tunnel,
    NoHost,
    TwoHosts,
    InvalidHost,
    OtherTarget,
}

/// The lowercased host (with its port, if any) a request is for.
pub fn host_of(req: &Request) -> Result<String, Refusal> {
    if req.method() == Method::CONNECT {
        return Err(Refusal::Tunnel);
    }
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let (host, target) = (hosts.next(), req.uri().authority());
    if hosts.next().is_some() {
        return Err(Refusal::TwoHosts);
    }
    let Some(host) = host else {
        return match target {
            Some(target) => Ok(target.as_str().to_ascii_lowercase()),
            None if req.version() == Version::HTTP_11 => Err(Refusal::NoHost),
            None => Ok(String::new()),
        };
    };
    if host.is_empty() {
        return Ok(String::new());
    }
    let host = host
        .to_str()
        .ok()
        .filter(|h| !h.contains('@'))
        .and_then(|h| h.parse::<Authority>().ok())
        .ok_or(Refusal::InvalidHost)?;
    if let Some(target) = target {
        let default_port = match req.uri().scheme_str() {
            Some("https") => 443,
            _ => 80,
        };
        let port = |a: &Authority| a.port_u16().unwrap_or(default_port);
        let same = target.host().eq_ignore_ascii_case(host.host()) && port(target) == port(&host);
        if !same {
            return Err(Refusal::OtherTarget);
        }
    }
    Ok(host.as_str().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(method: Method, target: &str, hosts: &[&str]) -> Request {
        let mut builder = Request::builder().method(method).uri(target);
        for host in hosts {
            builder = builder.header(header::HOST, *host);
        }
        builder.body(Body::empty()).unwrap()
    }

    fn get(target: &str, hosts: &[&str]) -> Result<String, Refusal> {
        host_of(&request(Method::GET, target, hosts))
    }

    #[test]
    fn the_single_host_header_names_the_host() {
        assert_eq!(
            get("/", &["Acme.Example:8080"]),
            Ok("acme.example:8080".into())
        );
    }

    #[test]
    fn an_absolute_target_must_name_the_host_header_s_host() {
        let same = ["acme.example:8080"];
        assert_eq!(get("http://ACME.example:8080/a", &same), Ok(same[0].into()));
        assert_eq!(
            get("http://acme.example/a", &["acme.example:80"]),
            Ok("acme.example:80".into())
        );
        assert_eq!(
            get("http://other.example:8080/a", &same),
            Err(Refusal::OtherTarget)
        );
        assert_eq!(
            get("http://acme.example:9090/a", &same),
            Err(Refusal::OtherTarget)
        );
        assert_eq!(get("http://acme.example:8080/a", &[]), Ok(same[0].into()));
    }

    #[test]
    fn two_missing_or_malformed_host_headers_are_refused() {
        assert_eq!(
            get("/", &["a.example", "b.example"]),
            Err(Refusal::TwoHosts)
        );
        assert_eq!(
            get("/", &["a.example", "a.example"]),
            Err(Refusal::TwoHosts)
        );
        assert_eq!(get("/", &[]), Err(Refusal::NoHost));
        assert_eq!(get("/", &["user@a.example"]), Err(Refusal::InvalidHost));
        assert_eq!(get("/", &["a example"]), Err(Refusal::InvalidHost));
    }

    #[test]
    fn connect_is_refused_whatever_its_host() {
        let connect = request(Method::CONNECT, "acme.example:443", &["acme.example:443"]);
        assert_eq!(host_of(&connect), Err(Refusal::Tunnel));
    }
}
