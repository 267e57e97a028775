//! The admin user's e-mail address.

use super::schema;
use instance_contract::{alphanumeric_class, MAX_USERNAME_CHARS};
use std::fmt;
use std::str::FromStr;
use utoipa::openapi::schema::{KnownFormat, Schema, SchemaFormat};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// RFC 5322 syntax via `email_address`, plus what a deliverable address needs: a domain with a dot,
    /// no IP literal, at most 254 characters. The domain is stored in lower case.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let parsed = email_address::EmailAddress::from_str(raw)
            .map_err(|e| format!("value is not a valid email address: {e}"))?;
        let domain = parsed.domain().to_ascii_lowercase();
        let has_dot = domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.');
        if !has_dot || domain.starts_with('[') {
            return Err(
                "value is not a valid email address: the domain must be a name with a dot".into(),
            );
        }
        if raw.len() > 254 {
            return Err("value is not a valid email address: longer than 254 characters".into());
        }
        Ok(Self(format!("{}@{domain}", parsed.local_part())))
    }

    /// As the admin's address, which is also their user name on the instance: an address of
    /// user-name characters (a dot-atom before the `@`, a domain name with a dot after it), at
    /// most 150 characters; absent or `null` is "none".
    pub fn admin_field_schema(description: &str) -> Schema {
        const LABEL: &str = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
        // A dot-atom of user-name characters: the `@` and the dots are the address's own.
        let atom = format!("{}+", alphanumeric_class("+_-"));
        let pattern = format!(r"^(?=[^@]{{1,64}}@){atom}(\.{atom})*@{LABEL}(\.{LABEL})+$");
        schema::nullable(
            schema::string(3, MAX_USERNAME_CHARS, &pattern)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
                .description(Some(description))
                .examples(["user@example.com"]),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_accepted_with_a_lower_case_domain() {
        assert_eq!(
            EmailAddress::parse("example@example.com").unwrap().as_str(),
            "example@example.com"
        );
        assert_eq!(
            EmailAddress::parse("First.Last+tag@Mail.Example.ORG")
                .unwrap()
                .as_str(),
            "First.Last+tag@mail.example.org"
        );
    }

    #[test]
    fn malformed_or_undeliverable_addresses_are_refused() {
        for raw in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@@b.com",
            "a b@c.com",
            "a@localhost",
            "a@[127.0.0.1]",
            "a@b.",
            "a@.com",
        ] {
            assert!(EmailAddress::parse(raw).is_err(), "{raw}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err());
    }
}
