/// An e-mail address, checked only for its shape: one `@`, a dotted domain, no spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Blank means no address.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let invalid = || "Enter a valid email address.".to_owned();
        let (local, domain) = raw.split_once('@').ok_or_else(invalid)?;
        let well_formed = !local.is_empty()
            && raw.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !raw.chars().any(char::is_whitespace);
        well_formed
            .then(|| Some(Self(raw.to_owned())))
            .ok_or_else(invalid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_no_address_and_malformed_addresses_are_refused() {
        assert_eq!(Email::parse_optional("  "), Ok(None));
        assert!(Email::parse_optional("ana@example.com").unwrap().is_some());
        for bad in [
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@b@c.d",
        ] {
            assert!(Email::parse_optional(bad).is_err(), "{bad}");
        }
    }
}
