use std::fmt;

/// A customer's WhatsApp id: the international phone number in digits, without `+`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WaId(String);

impl WaId {
    /// Accepts `+49 151 2345-678` and the like; anything but 6 to 20 digits after removing
    /// `+`, spaces, dashes and parentheses is refused.
    pub fn parse(raw: &str) -> Option<Self> {
        let digits: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
            .collect();
        let valid = (6..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        valid.then_some(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_kept_as_digits_and_anything_else_is_refused() {
        assert_eq!(
            WaId::parse("+49 151 2345-678").unwrap().as_str(),
            "491512345678"
        );
        assert_eq!(
            WaId::parse("491512345678").unwrap().as_str(),
            "491512345678"
        );
        for bad in ["", "12345", "49151abc", &"1".repeat(21), "4915'; --"] {
            assert_eq!(WaId::parse(bad), None, "{bad}");
        }
    }
}
