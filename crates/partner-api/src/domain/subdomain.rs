//! The instance's DNS label under the base domain.

use super::schema;
use std::fmt;
use utoipa::openapi::schema::Schema;

/// Names that would collide with the platform's own hosts or mislead a user.
const RESERVED: &[&str] = &[
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "cdn",
    "dashboard",
    "docs",
    "ftp",
    "help",
    "imap",
    "inbox",
    "localhost",
    "login",
    "mail",
    "metrics",
    "mx",
    "ns1",
    "ns2",
    "partner",
    "partners",
    "pop",
    "router",
    "smtp",
    "static",
    "status",
    "support",
    "www",
];

pub const MAX_LEN: usize = 63;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subdomain(String);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SubdomainError {
    #[error("subdomain must be at most 63 characters (RFC 1035 label)")]
    TooLong,
    #[error("subdomain must start with a letter (RFC 1035 label)")]
    BadStart,
    #[error("subdomain must not end with a hyphen (RFC 1035 label)")]
    BadEnd,
    #[error("subdomain may contain only letters, digits and hyphens (RFC 1035 label)")]
    BadCharacter,
    #[error("subdomain is reserved: {0}")]
    Reserved(String),
}

impl Subdomain {
    /// Blank input is `Ok(None)`: the caller then uses the instance id.
    pub fn parse(raw: &str) -> Result<Option<Self>, SubdomainError> {
        let label = raw.trim().to_ascii_lowercase();
        if label.is_empty() {
            return Ok(None);
        }
        if label.len() > MAX_LEN {
            return Err(SubdomainError::TooLong);
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(SubdomainError::BadCharacter);
        }
        if !label.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(SubdomainError::BadStart);
        }
        if label.ends_with('-') {
            return Err(SubdomainError::BadEnd);
        }
        if RESERVED.contains(&label.as_str()) {
            return Err(SubdomainError::Reserved(label));
        }
        Ok(Some(Self(label)))
    }

    /// As a request field: absent, `null` or blank is "the instance id".
    pub fn field_schema(description: &str) -> Schema {
        let reserved: Vec<String> = RESERVED.iter().map(|r| schema::any_case(r)).collect();
        let label = format!(
            "^$|^(?!({})$)[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?$",
            reserved.join("|")
        );
        schema::nullable(
            schema::string(0, MAX_LEN, &label)
                .description(Some(description))
                .examples(["mycompany-test"]),
        )
    }

    /// The label of an instance created without a subdomain: its own id, a valid RFC 1123 label.
    pub fn from_instance_id(id: &super::InstanceId) -> Self {
        Self(id.as_str().to_owned())
    }

    /// A stored value, already checked when it was written.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subdomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        Subdomain::parse(raw).unwrap().unwrap().0
    }

    #[test]
    fn a_valid_label_is_kept_in_lower_case() {
        assert_eq!(ok("MyCompany-Test"), "mycompany-test");
        assert_eq!(ok("a"), "a");
        assert_eq!(ok(&format!("a{}", "b".repeat(62))).len(), 63);
        assert_eq!(ok("x9-9"), "x9-9");
    }

    #[test]
    fn blank_means_use_the_instance_id() {
        assert_eq!(Subdomain::parse(""), Ok(None));
        assert_eq!(Subdomain::parse("   "), Ok(None));
    }

    #[test]
    fn each_rfc_1035_rule_is_enforced() {
        assert_eq!(
            Subdomain::parse(&"a".repeat(64)),
            Err(SubdomainError::TooLong)
        );
        assert_eq!(Subdomain::parse("1abc"), Err(SubdomainError::BadStart));
        assert_eq!(Subdomain::parse("-abc"), Err(SubdomainError::BadStart));
        assert_eq!(Subdomain::parse("abc-"), Err(SubdomainError::BadEnd));
        for raw in ["a_b", "a.b", "a b", "ünï", "a/b"] {
            assert_eq!(
                Subdomain::parse(raw),
                Err(SubdomainError::BadCharacter),
                "{raw}"
            );
        }
    }

    #[test]
    fn platform_names_are_reserved_in_any_case() {
        for raw in ["api", "WWW", "Admin"] {
            assert!(
                matches!(Subdomain::parse(raw), Err(SubdomainError::Reserved(_))),
                "{raw}"
            );
        }
    }
}
