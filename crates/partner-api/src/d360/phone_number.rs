//! A business phone number, the identity an instance is unique by.

use std::fmt;

/// E.164-style: `+` and digits only, so `+49 151 2345` and `+491512345` are one number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Option<Self> {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        (6..=15)
            .contains(&digits.len())
            .then(|| Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_does_not_make_another_number() {
        assert_eq!(
            PhoneNumber::parse("+49 151 234-5678"),
            PhoneNumber::parse("+491512345678")
        );
        assert_eq!(
            PhoneNumber::parse("+49 151 2345678").unwrap().as_str(),
            "+491512345678"
        );
        assert_eq!(PhoneNumber::parse("12"), None);
        assert_eq!(PhoneNumber::parse("no digits"), None);
    }
}
