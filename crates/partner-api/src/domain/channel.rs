//! 360Dialog identifiers: the channel and its API key.

use super::schema;
use std::fmt;
use utoipa::openapi::schema::{ObjectBuilder, Schema};

/// A 360Dialog channel id: 1–64 letters, digits, `-` or `_` (real ids look like `ChAnElCH`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChannelId(String);

impl ChannelId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("String should have at least 1 character".into());
        }
        if raw.len() > 64 {
            return Err("String should have at most 64 characters".into());
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(
                "Value error, channel id may contain only letters, digits, '-' and '_'".into(),
            );
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As a request field: absent or `null` is "none".
    pub fn field_schema(description: &str) -> Schema {
        schema::nullable(
            schema::string(1, 64, "^[A-Za-z0-9_-]+$")
                .description(Some(description))
                .examples(["ChAnElCH"]),
        )
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 360Dialog API key. Its `Debug` never shows the value, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct D360ApiKey(String);

impl D360ApiKey {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("String should have at least 1 character".into());
        }
        if raw.len() > 256 {
            return Err("String should have at most 256 characters".into());
        }
        if !raw.chars().all(|c| c.is_ascii_graphic()) {
            return Err("Value error, an API key is printable ASCII without spaces".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// As a request field: absent or `null` is "none".
    pub fn field_schema(description: &str) -> Schema {
        schema::nullable(Self::value_schema(description))
    }

    pub fn value_schema(description: &str) -> ObjectBuilder {
        schema::string(1, 256, "^[!-~]+$")
            .description(Some(description))
            .examples(["sandbox-key-of-ChAnElCH"])
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four characters, the only part of a key the API ever returns.
    pub fn hint(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    }
}

impl fmt::Debug for D360ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "D360ApiKey(…{})", self.hint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_ids_are_trimmed_and_checked() {
        assert_eq!(ChannelId::parse(" ChAnElCH ").unwrap().as_str(), "ChAnElCH");
        for raw in ["", "a b", "x/../y", &"c".repeat(65)] {
            assert!(ChannelId::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn a_key_shows_only_its_last_four_characters() {
        let key = D360ApiKey::parse("abcdefgh1234").unwrap();
        assert_eq!(key.hint(), "1234");
        assert_eq!(format!("{key:?}"), "D360ApiKey(…1234)");
        assert_eq!(D360ApiKey::parse("ab").unwrap().hint(), "ab");
        assert!(D360ApiKey::parse("has space").is_err());
    }
}
