//! Where and how the platform calls a partner back: the configurator of Create Instance.

use super::outbound::AddressPolicy;
use super::schema;
use instance_contract::first_users::ADMIN_WITHOUT_EMAIL;
use instance_contract::{
    alphanumeric_class, UsernameError, MAX_USERNAME_CHARS, USERNAME_PUNCTUATION,
};
use std::collections::BTreeMap;
use std::net::IpAddr;
use url::{Host, Url};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

const MAX_URL_LEN: usize = 2048;
const MAX_HEADERS: usize = 32;
const MAX_HEADER_VALUE_LEN: usize = 4096;

/// Headers the platform itself sets on every event; a partner's header must not replace them.
const PROTECTED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    pub fn parse(raw: &str, policy: &AddressPolicy) -> Result<Self, String> {
        if raw.len() > MAX_URL_LEN {
            return Err(format!("URL should have at most {MAX_URL_LEN} characters"));
        }
        let url =
            Url::parse(raw.trim()).map_err(|e| format!("Input should be a valid URL, {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("URL scheme should be 'http' or 'https'".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("URL must not carry credentials; send them in webhook_headers".into());
        }
        let literal = match url.host() {
            None => return Err("Input should be a valid URL, empty host".into()),
            Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.');
                // RFC 6761: these names always mean this machine.
                (name == "localhost" || name.ends_with(".localhost"))
                    .then_some(IpAddr::from([127, 0, 0, 1]))
            }
        };
        if let Some(ip) = literal {
            if !policy.permits(ip) {
                return Err(format!(
                    "URL host must be a public address, not a loopback, private, link-local or otherwise internal one: {ip}"
                ));
            }
        }
        Ok(Self(url))
    }

    pub fn from_stored(raw: &str) -> Option<Self> {
        Url::parse(raw).ok().map(Self)
    }

    /// An http or https URL naming its host by a domain name; a host that is an address (or
    /// `localhost`) must be one the operator allows, which the document cannot know.
    fn field_schema() -> ObjectBuilder {
        const LABEL: &str = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
        let pattern = format!(
            "^[hH][tT][tT][pP][sS]?://{LABEL}(\\.{LABEL})*\\.[A-Za-z]{{2,63}}(:[1-9][0-9]{{0,3}})?(/[!-~]*)?$"
        );
        schema::string(1, MAX_URL_LEN, &pattern)
            .description(Some(
                "Absolute http or https URL that receives the asynchronous events. A loopback, \
                 private or link-local address is refused unless the operator allows it.",
            ))
            .examples(["https://example.com/webhook"])
    }

    pub fn as_url(&self) -> &Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Headers about one connection (RFC 9110 §7.6.1), which a partner must not steer, beside any
/// `proxy-…` header.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "upgrade",
    "te",
    "transfer-encoding",
    "expect",
    "keep-alive",
    "trailer",
];

fn is_hop_by_hop(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    HOP_BY_HOP.contains(&name.as_str()) || name.starts_with("proxy-")
}

/// Extra headers sent with every event, checked so they can be put on the wire as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebhookHeaders(BTreeMap<String, String>);

impl WebhookHeaders {
    /// Checks one pair; the caller reports the error at the key's location.
    pub fn check_pair(name: &str, value: &str) -> Result<(), String> {
        if axum::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(format!(
                "Value error, not a valid HTTP header name: {name:?}"
            ));
        }
        if PROTECTED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "Value error, header {name:?} is set by the platform and cannot be replaced"
            ));
        }
        if is_hop_by_hop(name) {
            return Err(format!(
                "Value error, header {name:?} is hop-by-hop and cannot be sent with events"
            ));
        }
        if value.len() > MAX_HEADER_VALUE_LEN {
            return Err(format!(
                "String should have at most {MAX_HEADER_VALUE_LEN} characters"
            ));
        }
        if axum::http::HeaderValue::from_str(value).is_err() {
            return Err("Value error, not a valid HTTP header value (no CR, LF or other control characters)".into());
        }
        Ok(())
    }

    pub const MAX_HEADERS: usize = MAX_HEADERS;

    /// At most 32 headers, each a token name (not one the platform sets, not hop-by-hop) with a
    /// value of at most 4096 characters and no control characters but tab.
    fn field_schema() -> Schema {
        let refused: Vec<String> = PROTECTED_HEADERS
            .iter()
            .chain(HOP_BY_HOP)
            .map(|h| schema::any_case(h))
            .collect();
        let name = format!(
            "^(?!({})$)(?![pP][rR][oO][xX][yY]-)[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
            refused.join("|")
        );
        let value = ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX_HEADER_VALUE_LEN))
            .pattern(Some("^[^\\x00-\\x08\\x0a-\\x1f\\x7f]*$"));
        schema::nullable(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .max_properties(Some(MAX_HEADERS))
                .property_names(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(name)),
                ))
                .additional_properties(Some(value))
                .examples([serde_json::json!({"X-Api-Token": "partner-secret"})])
                .description(Some(
                    "Sent with every event (they cannot replace Content-Type, Host, Content-Length, \
                     User-Agent, the signature headers or a hop-by-hop header).",
                )),
        )
    }

    pub fn from_checked(pairs: BTreeMap<String, String>) -> Self {
        Self(pairs)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".into())
    }

    /// Reads stored headers; text that is not a JSON object of strings is an error, never "no
    /// headers", so a partner's headers are not silently dropped from its events.
    pub fn from_json(raw: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(raw).map(Self)
    }
}

/// The configurator's user name on the instance, under the instance's own rule.
pub type UserName = instance_contract::Username;

/// The instance's user name rule, in this API's words.
pub fn parse_user_name(raw: &str) -> Result<UserName, String> {
    UserName::parse(raw).map_err(|e| match e {
        UsernameError::Blank => "String should have at least 1 character".into(),
        UsernameError::TooLong => {
            format!("String should have at most {MAX_USERNAME_CHARS} characters")
        }
        UsernameError::Character => {
            "Value error, user name may contain only letters, digits and @/./+/-/_".into()
        }
    })
}

/// The Configurator User: a service account that receives the `token` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Configurator {
    pub user_name: UserName,
    pub webhook_url: WebhookUrl,
    pub webhook_headers: WebhookHeaders,
}

impl Configurator {
    /// As a request field: absent or `null` is "none"; given, it needs a user name and a URL. The
    /// user name follows the instance's rule and differs from the admin's (`admin` when the
    /// instance has no `admin_email`).
    pub fn field_schema() -> Schema {
        let user_name = schema::string(
            1,
            MAX_USERNAME_CHARS,
            &format!(
                "^(?!{}$){}+$",
                schema::any_case(ADMIN_WITHOUT_EMAIL),
                alphanumeric_class(USERNAME_PUNCTUATION)
            ),
        )
        .examples(["service_account"]);
        schema::nullable(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some(
                    "The Configurator User: a service account that receives the `token` event.",
                ))
                .property("user_name", user_name)
                .required("user_name")
                .property("webhook_url", WebhookUrl::field_schema())
                .required("webhook_url")
                .property("webhook_headers", WebhookHeaders::field_schema()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> AddressPolicy {
        AddressPolicy::default()
    }

    #[test]
    fn absolute_http_and_https_urls_are_accepted() {
        for raw in [
            "https://example.com/webhook",
            "http://example.com:8080/x?y=1",
            "https://93.184.216.34/",
        ] {
            assert!(WebhookUrl::parse(raw, &open()).is_ok(), "{raw}");
        }
    }

    #[test]
    fn relative_foreign_scheme_credential_and_internal_urls_are_refused() {
        for raw in [
            "/webhook",
            "example.com/webhook",
            "ftp://x",
            "javascript:alert(1)",
            "https://user:pw@example.com/",
            "http://169.254.169.254/",
            "http://[::ffff:127.0.0.1]/",
            "http://10.0.0.1/",
            "http://localhost:9/",
            "http://a.localhost/",
        ] {
            assert!(WebhookUrl::parse(raw, &open()).is_err(), "{raw}");
        }
    }

    #[test]
    fn an_operator_allowance_opens_loopback() {
        assert!(WebhookUrl::parse("http://127.0.0.1:9/x", &open().with_loopback()).is_ok());
        assert!(WebhookUrl::parse("http://169.254.169.254/", &open().with_loopback()).is_err());
    }

    #[test]
    fn header_pairs_must_be_wire_safe_and_not_replace_platform_headers() {
        assert!(WebhookHeaders::check_pair("X-Secret", "abc").is_ok());
        for (name, value) in [
            ("Content-Type", "text/plain"),
            ("host", "evil"),
            ("Webhook-Signature", "v1,x"),
            ("X-A", "a\r\nInjected: 1"),
            ("X A", "b"),
            ("X-B", "line\nbreak"),
            ("", "v"),
        ] {
            assert!(
                WebhookHeaders::check_pair(name, value).is_err(),
                "{name}: {value:?}"
            );
        }
    }

    #[test]
    fn stored_headers_read_back_and_a_corrupt_text_is_an_error_not_no_headers() {
        let headers = WebhookHeaders::from_checked([("X-Secret".into(), "abc".into())].into());
        assert_eq!(
            WebhookHeaders::from_json(&headers.to_json()).unwrap(),
            headers
        );
        for corrupt in ["", "{", "[]", r#"{"X-Secret": 1}"#] {
            assert!(WebhookHeaders::from_json(corrupt).is_err(), "{corrupt}");
        }
    }

    #[test]
    fn user_names_follow_the_inbox_rules() {
        assert!(parse_user_name("service_account").is_ok());
        assert!(parse_user_name("a.b+c@d-e").is_ok());
        assert!(parse_user_name("").is_err());
        assert!(parse_user_name("has space").is_err());
        assert!(parse_user_name(&"u".repeat(151)).is_err());
    }
}
