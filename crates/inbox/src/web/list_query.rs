//! What the chat list shows: a search, the unread filter and a page. The chat links keep it, so
//! opening a conversation leaves the list as it was.

use serde::Deserialize;

/// Chats on one page of the list.
pub const PAGE_SIZE: u32 = 25;
const MAX_SEARCH_CHARS: usize = 100;

/// As it comes in the address: anything, never a rejection.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    search: String,
    unread: String,
    offset: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListView {
    pub search: String,
    pub unread: bool,
    pub offset: u32,
}

impl ListQuery {
    pub fn view(&self) -> ListView {
        ListView {
            search: self.search.trim().chars().take(MAX_SEARCH_CHARS).collect(),
            unread: matches!(self.unread.as_str(), "1" | "true" | "on"),
            offset: self.offset.trim().parse().unwrap_or(0),
        }
    }
}

impl ListView {
    /// `?search=…&unread=1&offset=…` with what is set, or nothing.
    pub fn query_string(&self) -> String {
        let mut pairs = Vec::new();
        if !self.search.is_empty() {
            pairs.push(format!("search={}", encode(&self.search)));
        }
        if self.unread {
            pairs.push("unread=1".to_owned());
        }
        if self.offset > 0 {
            pairs.push(format!("offset={}", self.offset));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }

    /// The list at another page, or with the other filter.
    pub fn at(&self, offset: u32) -> Self {
        Self {
            offset,
            ..self.clone()
        }
    }

    pub fn with_unread(&self, unread: bool) -> Self {
        Self {
            unread,
            offset: 0,
            ..self.clone()
        }
    }
}

/// Percent-encodes all but the unreserved characters of RFC 3986.
fn encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_keeps_what_is_set_and_encodes_the_search() {
        let raw = ListQuery {
            search: "  Ana & Co ".into(),
            unread: "1".into(),
            offset: "junk".into(),
        };
        let view = raw.view();
        assert_eq!(view.offset, 0);
        assert_eq!(view.query_string(), "?search=Ana%20%26%20Co&unread=1");
        assert_eq!(
            view.with_unread(false).at(25).query_string(),
            "?search=Ana%20%26%20Co&offset=25"
        );
        assert_eq!(ListView::default().query_string(), "");
    }
}
