use std::fmt;

/// A tag's colour in the web inbox: `#rgb` or `#rrggbb` in lower case, or none (empty).
///
/// It is written into style and SVG attributes of pages and front-ends, so nothing but these
/// hex forms is ever stored: no CSS can ride along.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagColor(String);

impl TagColor {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(Self::default());
        }
        let hex = raw.strip_prefix('#').unwrap_or("");
        let well_formed = matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit());
        if !well_formed {
            return Err("Enter a colour as #rgb or #rrggbb, or leave it empty.".into());
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_none(&self) -> bool {
        self.0.is_empty()
    }

    /// The `#rrggbb` form an `<input type="color">` needs; `fallback` when there is no colour.
    pub fn as_rrggbb<'a>(&'a self, fallback: &'a str) -> std::borrow::Cow<'a, str> {
        match self.0.len() {
            4 => {
                let mut long = String::from("#");
                for c in self.0[1..].chars() {
                    long.push(c);
                    long.push(c);
                }
                long.into()
            }
            7 => self.0.as_str().into(),
            _ => fallback.into(),
        }
    }
}

impl fmt::Display for TagColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_colours_or_nothing_are_accepted() {
        assert_eq!(TagColor::parse(" #A1B2C3 ").unwrap().as_str(), "#a1b2c3");
        assert_eq!(TagColor::parse("#fff").unwrap().as_str(), "#fff");
        assert!(TagColor::parse("").unwrap().is_none());
        for bad in [
            "red",
            "fff",
            "#ffff",
            "#ggg",
            "#fff;background:url(x)",
            "#fff\"",
            "#12345678",
            "#",
            "expression(alert(1))",
        ] {
            assert!(TagColor::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn the_short_form_expands_for_a_colour_picker() {
        assert_eq!(
            TagColor::parse("#1af").unwrap().as_rrggbb("#000000"),
            "#11aaff"
        );
        assert_eq!(
            TagColor::parse("#11aaff").unwrap().as_rrggbb("#000000"),
            "#11aaff"
        );
        assert_eq!(TagColor::default().as_rrggbb("#000000"), "#000000");
    }
}
