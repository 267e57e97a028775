//! A user name under Django's rules, which get.chat follows: 1 to 150 letters, digits and `@.+-_`.

pub const MAX_USERNAME_CHARS: usize = 150;

/// Besides letters and digits, a user name may contain these.
pub const USERNAME_PUNCTUATION: &str = "@.+_-";

/// A regular-expression character class of exactly the characters [`char::is_alphanumeric`]
/// takes, and `extra` (ASCII punctuation), for API documents. The letters are listed as ranges
/// rather than named by `\w` or `\p{…}`, on which regular-expression engines disagree.
pub fn alphanumeric_class(extra: &str) -> String {
    let mut class = String::from("[");
    let mut run: Option<(char, char)> = None;
    let close = |class: &mut String, (first, last): (char, char)| {
        class.push(first);
        if last != first {
            if u32::from(last) > u32::from(first) + 1 {
                class.push('-');
            }
            class.push(last);
        }
    };
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        if !c.is_alphanumeric() {
            continue;
        }
        run = match run {
            Some((first, last)) if u32::from(last) + 1 == u32::from(c) => Some((first, c)),
            Some(done) => {
                close(&mut class, done);
                Some((c, c))
            }
            None => Some((c, c)),
        };
    }
    if let Some(done) = run {
        close(&mut class, done);
    }
    // `-` last, where it is itself rather than a range.
    let (hyphen, others): (String, String) = extra.chars().partition(|c| *c == '-');
    class.push_str(&others);
    class.push_str(&hyphen);
    class.push(']');
    class
}

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
            .all(|c| c.is_alphanumeric() || USERNAME_PUNCTUATION.contains(c))
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

    /// Reads back the class `alphanumeric_class` writes: single characters and `a-b` ranges.
    fn members(class: &str) -> Vec<(char, char)> {
        let chars: Vec<char> = class
            .trim_start_matches('[')
            .trim_end_matches(']')
            .chars()
            .collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if i + 2 < chars.len() && chars[i + 1] == '-' {
                out.push((chars[i], chars[i + 2]));
                i += 3;
            } else {
                out.push((chars[i], chars[i]));
                i += 1;
            }
        }
        out
    }

    #[test]
    fn the_document_class_lists_exactly_the_characters_a_user_name_may_have() {
        let class = alphanumeric_class(USERNAME_PUNCTUATION);
        assert!(class.ends_with("-]"), "a hyphen last is itself");
        let ranges = members(&class);
        let listed = |c: char| ranges.iter().any(|(a, b)| (*a..=*b).contains(&c));
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let allowed = Username::parse(&c.to_string()).is_ok();
            assert_eq!(listed(c), allowed, "{c:?} U+{:04X}", u32::from(c));
        }
    }
}
