use super::TagColor;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TagId(pub i64);

/// A label the team puts on chats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    pub id: TagId,
    pub name: TagName,
    pub color: TagColor,
}

/// A tag's name: 1 to 50 characters, no control characters; unique regardless of case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagName(String);

pub const MAX_TAG_NAME_CHARS: usize = 50;

impl TagName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("This field may not be blank.".into());
        }
        if raw.chars().count() > MAX_TAG_NAME_CHARS {
            return Err(format!(
                "Ensure this field has no more than {MAX_TAG_NAME_CHARS} characters."
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err("A tag name may not contain line breaks or control characters.".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two names are the same tag: names are unique regardless of case.
    pub fn same_as(&self, other: &str) -> bool {
        self.0.to_lowercase() == other.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_are_trimmed_bounded_and_single_line() {
        assert_eq!(TagName::parse("  VIP ").unwrap().as_str(), "VIP");
        assert!(TagName::parse("<b>Ärger</b>").is_ok());
        assert!(TagName::parse(" ").is_err());
        assert!(TagName::parse("a\nb").is_err());
        assert!(TagName::parse(&"x".repeat(50)).is_ok());
        assert!(TagName::parse(&"x".repeat(51)).is_err());
        assert!(TagName::parse("Ärger").unwrap().same_as("äRGER"));
    }
}
