//! A user name under Django's rules, which get.chat follows: 1 to 150 letters, digits and `@.+-_`.

pub const MAX_USERNAME_CHARS: usize = 150;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

/// Why a user name is refused; each side words it in its own API's style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("This field may not be blank.")]
    Blank,
    #[error("Ensure this field has no more than {MAX_USERNAME_CHARS} characters.")]
    TooLong,
    #[error("Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.")]
    Character,
}

impl Username {
    /// Surrounding white space is dropped.
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(UsernameError::Blank);
        }
        if raw.chars().count() > MAX_USERNAME_CHARS {
            return Err(UsernameError::TooLong);
        }
        if !raw
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
        {
            return Err(UsernameError::Character);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Django compares user names case-insensitively when it checks them for uniqueness.
    pub fn same_person_as(&self, other: &Username) -> bool {
        self.0.to_lowercase() == other.0.to_lowercase()
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_follow_the_django_rules() {
        assert_eq!(Username::parse(" ana ").unwrap().as_str(), "ana");
        assert!(Username::parse("example@example.com").is_ok());
        assert!(Username::parse("a.b+c-d_e").is_ok());
        assert_eq!(Username::parse(""), Err(UsernameError::Blank));
        assert_eq!(Username::parse("has space"), Err(UsernameError::Character));
        assert_eq!(Username::parse("o'brien"), Err(UsernameError::Character));
        assert_eq!(
            Username::parse(&"u".repeat(151)),
            Err(UsernameError::TooLong)
        );
        assert!(Username::parse("Ana")
            .unwrap()
            .same_person_as(&Username::parse("aNA").unwrap()));
    }
}
