/// Shortest password accepted; the set-password page states it.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest accepted: hashing cost must not depend on what a stranger sends.
const MAX_PASSWORD_CHARS: usize = 256;

/// A password that passed the policy, not yet hashed.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(format!(
                "This password is too short. It must contain at least {MIN_PASSWORD_CHARS} characters."
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(format!(
                "This password is too long. It may contain at most {MAX_PASSWORD_CHARS} characters."
            ));
        }
        if raw.trim().is_empty() {
            return Err("This password is entirely blank.".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// For a form that asks twice.
    pub fn parse_confirmed(raw: &str, confirmation: &str) -> Result<Self, String> {
        let password = Self::parse(raw)?;
        if raw != confirmation {
            return Err("The two passwords do not match.".into());
        }
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_needs_ten_characters_and_the_same_confirmation() {
        assert!(NewPassword::parse("123456789").is_err());
        assert!(NewPassword::parse("1234567890").is_ok());
        assert!(NewPassword::parse(&" ".repeat(12)).is_err());
        let mismatch = NewPassword::parse_confirmed("1234567890", "1234567899").unwrap_err();
        assert!(mismatch.contains("do not match"));
    }
}
