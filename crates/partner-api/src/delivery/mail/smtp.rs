//! `--smtp-url`: where the activation e-mail is handed over, and how securely.
//!
//! - `smtps://user:pass@host[:465]`: TLS from the first byte (implicit TLS).
//! - `smtp://user:pass@host[:587]`: STARTTLS, required, for any host but a loopback one.
//! - `smtp://127.0.0.1:2525` (or `localhost`): plain, for a relay on this machine.
//! - `?tls=required|opportunistic|none` on `smtp://` chooses explicitly.
//!
//! Certificates are verified against the web PKI roots. Credentials are percent-decoded.

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Security {
    Implicit,
    StartTlsRequired,
    StartTlsOpportunistic,
    Plain,
}

/// A parsed `--smtp-url`. Its `Debug` and `Display` leave the password out.
#[derive(Clone)]
pub struct SmtpUrl {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<(String, String)>,
}

impl FromStr for SmtpUrl {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let url = Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the SMTP URL needs a host")?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let requested = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let security = match (url.scheme(), requested.as_deref()) {
            ("smtps", None) => Security::Implicit,
            ("smtp", Some("required")) => Security::StartTlsRequired,
            ("smtp", Some("opportunistic")) => Security::StartTlsOpportunistic,
            ("smtp", Some("none")) => Security::Plain,
            ("smtp", None) if is_loopback(&host) => Security::Plain,
            ("smtp", None) => Security::StartTlsRequired,
            ("smtp" | "smtps", Some(other)) => {
                return Err(format!(
                    "tls={other} is not one of required, opportunistic, none (smtp:// only)"
                ))
            }
            (scheme, _) => {
                return Err(format!(
                    "the SMTP URL scheme must be smtp or smtps, not {scheme}"
                ))
            }
        };
        let default_port = match security {
            Security::Implicit => 465,
            Security::Plain => 25,
            _ => 587,
        };
        let decode = |s: &str| percent_decode(s);
        let credentials = (!url.username().is_empty()).then(|| {
            (
                decode(url.username()),
                decode(url.password().unwrap_or_default()),
            )
        });
        Ok(Self {
            port: url.port().unwrap_or(default_port),
            host,
            security,
            credentials,
        })
    }
}

impl SmtpUrl {
    pub fn transport(
        &self,
        timeout: Duration,
    ) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        let tls = || TlsParameters::new(self.host.clone());
        let tls = match self.security {
            Security::Implicit => Tls::Wrapper(tls()?),
            Security::StartTlsRequired => Tls::Required(tls()?),
            Security::StartTlsOpportunistic => Tls::Opportunistic(tls()?),
            Security::Plain => Tls::None,
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.as_str())
                .port(self.port)
                .tls(tls)
                .timeout(Some(timeout));
        if let Some((user, password)) = &self.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }

    /// Whether credentials would cross the network unencrypted, for a warning at start.
    pub fn sends_credentials_in_clear(&self) -> bool {
        self.credentials.is_some() && self.security == Security::Plain && !is_loopback(&self.host)
    }
}

impl fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = self
            .credentials
            .as_ref()
            .map_or(String::new(), |(u, _)| format!("{u}:***@"));
        write!(f, "{user}{}:{} ({:?})", self.host, self.port, self.security)
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpUrl({self})")
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn percent_decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> SmtpUrl {
        raw.parse().unwrap()
    }

    #[test]
    fn the_scheme_and_host_choose_the_security_and_default_port() {
        let starttls = parse("smtp://user:pa%40ss@mail.example.com");
        assert_eq!(
            (starttls.security, starttls.port),
            (Security::StartTlsRequired, 587)
        );
        assert_eq!(starttls.credentials, Some(("user".into(), "pa@ss".into())));
        let implicit = parse("smtps://u:p@mail.example.com");
        assert_eq!(
            (implicit.security, implicit.port),
            (Security::Implicit, 465)
        );
        let local = parse("smtp://127.0.0.1:2525");
        assert_eq!((local.security, local.port), (Security::Plain, 2525));
        assert_eq!(parse("smtp://localhost").security, Security::Plain);
        assert_eq!(parse("smtp://[::1]:25").security, Security::Plain);
        assert_eq!(
            parse("smtp://mail.example.com?tls=none").security,
            Security::Plain
        );
        assert_eq!(
            parse("smtp://127.0.0.1?tls=required").security,
            Security::StartTlsRequired
        );
        assert_eq!(
            parse("smtp://u:a%26b=c+d@h").credentials.unwrap().1,
            "a&b=c+d"
        );
        assert!(parse("smtp://u:p@mail.example.com?tls=none").sends_credentials_in_clear());
    }

    #[test]
    fn other_schemes_and_options_are_refused_and_passwords_never_printed() {
        for raw in [
            "http://mail.example.com",
            "smtp://",
            "smtps://h?tls=none",
            "smtp://h?tls=maybe",
        ] {
            assert!(raw.parse::<SmtpUrl>().is_err(), "{raw}");
        }
        let url = parse("smtp://user:secret@mail.example.com");
        assert!(!format!("{url:?} {url}").contains("secret"));
    }
}
