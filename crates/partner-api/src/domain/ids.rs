//! Identifiers: generated ones are random, parsed ones are checked before they reach a query.

use rand::RngCore;
use serde::Serialize;
use std::fmt;

/// 32 lower-case hex digits, as in the documented create answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(transparent)]
pub struct InstanceId(String);

impl InstanceId {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// `None` for anything that cannot be an instance id, so a malformed id is simply not found.
    pub fn parse(raw: &str) -> Option<Self> {
        let valid = raw.len() == 32 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A partner's public name, e.g. `sandbox`: 1–64 letters, digits, `-` and `_`, starting with a letter or digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PartnerId(String);

impl PartnerId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let starts_well = raw
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let chars_ok = raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if raw.is_empty() || raw.len() > 64 || !starts_well || !chars_ok {
            return Err(format!(
                "partner id must be 1-64 letters, digits, '-' or '_', starting with a letter or digit: {raw:?}"
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PartnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A random identifier with a readable type prefix, e.g. `evt_2f9c…`.
pub fn prefixed_random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_instance_ids_are_32_lower_case_hex_digits_and_parse_back() {
        let id = InstanceId::generate();
        assert_eq!(id.as_str().len(), 32);
        assert_eq!(InstanceId::parse(id.as_str()), Some(id));
    }

    #[test]
    fn malformed_instance_ids_do_not_parse() {
        for raw in [
            "",
            "abc",
            "167C42D61ED64FEB97D3A32508D811A8",
            "167c42d61ed64feb97d3a32508d811a",
            "../etc/passwd",
        ] {
            assert_eq!(InstanceId::parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn partner_ids_accept_names_and_refuse_the_rest() {
        assert!(PartnerId::parse("sandbox").is_ok());
        assert!(PartnerId::parse("acme_bsp-2").is_ok());
        for raw in ["", "-x", "a b", "ä", &"x".repeat(65)] {
            assert!(PartnerId::parse(raw).is_err(), "{raw}");
        }
    }
}
