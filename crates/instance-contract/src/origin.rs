//! A browser origin, as an operator lists it for CORS and as browsers send it.

/// An origin as browsers send it: `http` or `https`, a lower-case host, the port only when it is
/// not the scheme's default. Nothing else (no path, query, user or trailing slash).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AllowedOrigin(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OriginError {
    #[error("{0:?} is not an origin: write scheme://host[:port], e.g. https://app.example.com")]
    Malformed(String),
    #[error("{0:?} is not an origin: only http and https are allowed")]
    Scheme(String),
    #[error("{0:?} is not an origin: it must not have a path, query or user (write scheme://host[:port])")]
    HasPath(String),
    #[error("{0:?} is not an origin: the host or port is not valid")]
    Host(String),
}

impl AllowedOrigin {
    pub fn parse(raw: &str) -> Result<Self, OriginError> {
        let raw = raw.trim();
        let (scheme, rest) = raw
            .split_once("://")
            .ok_or_else(|| OriginError::Malformed(raw.to_owned()))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(OriginError::Scheme(raw.to_owned())),
        };
        if rest.contains(['/', '?', '#', '@', '\\']) {
            return Err(OriginError::HasPath(raw.to_owned()));
        }
        let (host, port) = split_port(rest).ok_or_else(|| OriginError::Host(raw.to_owned()))?;
        if !valid_host(host) {
            return Err(OriginError::Host(raw.to_owned()));
        }
        let host = host.to_ascii_lowercase();
        Ok(Self(match port {
            Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
            _ => format!("{scheme}://{host}"),
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `host` and an optional port; an IPv6 host keeps its brackets.
fn split_port(rest: &str) -> Option<(&str, Option<u16>)> {
    let port_at = match rest.rfind(':') {
        Some(at) if !rest[at..].contains(']') => at,
        _ => return Some((rest, None)),
    };
    let port: u16 = rest[port_at + 1..].parse().ok().filter(|p| *p > 0)?;
    Some((&rest[..port_at], Some(port)))
}

fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_written_as_browsers_send_them() {
        let cases = [
            ("https://App.Example.com", "https://app.example.com"),
            ("https://app.example.com:443", "https://app.example.com"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("HTTP://127.0.0.1", "http://127.0.0.1"),
        ];
        for (raw, expected) in cases {
            assert_eq!(AllowedOrigin::parse(raw).unwrap().as_str(), expected);
        }
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for raw in [
            "app.example.com",
            "ftp://app.example.com",
            "https://app.example.com/",
            "https://app.example.com/app",
            "https://user@app.example.com",
            "https://app.example.com:0",
            "https://app.example.com:99999",
            "https://",
            "https://exa mple.com",
            "*",
        ] {
            assert!(AllowedOrigin::parse(raw).is_err(), "{raw} was accepted");
        }
    }
}
