/// A user name under Django's rules, which get.chat follows: 1 to 150 letters, digits and `@.+-_`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

const MAX_CHARS: usize = 150;

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("This field may not be blank.".into());
        }
        if raw.chars().count() > MAX_CHARS {
            return Err(format!(
                "Ensure this field has no more than {MAX_CHARS} characters."
            ));
        }
        let allowed = |c: char| c.is_alphanumeric() || "@.+-_".contains(c);
        if !raw.chars().all(allowed) {
            return Err("Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
        assert!(Username::parse("").is_err());
        assert!(Username::parse("has space").is_err());
        assert!(Username::parse(&"u".repeat(151)).is_err());
    }
}
