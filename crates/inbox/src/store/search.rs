//! What a person types into a search box, made safe for SQLite's full-text search and `LIKE`.

/// An FTS5 query that finds messages containing every word typed, each as a prefix; `None` when
/// nothing searchable was typed. Quotes make every word a literal, so no input is FTS syntax.
pub fn fts_query(typed: &str) -> Option<String> {
    let words: Vec<String> = typed
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A `LIKE` pattern (with `ESCAPE '\'`) that finds the typed text anywhere.
pub fn like_pattern(typed: &str) -> String {
    let escaped = typed
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_a_quoted_prefix_and_fts_syntax_is_inert() {
        assert_eq!(
            fts_query("hello wor").as_deref(),
            Some("\"hello\"* \"wor\"*")
        );
        assert_eq!(
            fts_query("a\" OR NEAR(x").as_deref(),
            Some("\"a\"* \"OR\"* \"NEAR(x\"*")
        );
        assert_eq!(fts_query("  \" "), None);
    }

    #[test]
    fn like_wildcards_typed_are_literal() {
        assert_eq!(like_pattern(" 50%_off "), "%50\\%\\_off%");
    }
}
