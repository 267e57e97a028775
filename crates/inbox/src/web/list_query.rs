//! What the chat list shows: a search, the unread, assignee and tag filters and a page. The chat
//! links and forms keep it, so opening or changing a conversation leaves the list as it was.

use crate::domain::TagId;
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
    /// `mine` or `unassigned`.
    assigned: String,
    /// A tag's id.
    tag: String,
}

/// Whose chats the list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Assignee {
    #[default]
    Anyone,
    /// Assigned to the person looking.
    Me,
    /// Assigned to no user and no group.
    Nobody,
}

impl Assignee {
    fn of(raw: &str) -> Self {
        match raw {
            "mine" => Self::Me,
            "unassigned" => Self::Nobody,
            _ => Self::Anyone,
        }
    }

    fn as_param(self) -> Option<&'static str> {
        match self {
            Self::Anyone => None,
            Self::Me => Some("mine"),
            Self::Nobody => Some("unassigned"),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListView {
    pub search: String,
    pub unread: bool,
    pub offset: u32,
    pub assignee: Assignee,
    pub tag: Option<TagId>,
}

impl ListQuery {
    pub fn view(&self) -> ListView {
        ListView {
            search: self.search.trim().chars().take(MAX_SEARCH_CHARS).collect(),
            unread: matches!(self.unread.as_str(), "1" | "true" | "on"),
            offset: self.offset.trim().parse().unwrap_or(0),
            assignee: Assignee::of(self.assigned.trim()),
            tag: self.tag.trim().parse().ok().map(TagId),
        }
    }
}

impl ListView {
    /// `?search=…&unread=1&assigned=…&tag=…&offset=…` with what is set, or nothing.
    pub fn query_string(&self) -> String {
        let mut pairs = Vec::new();
        if !self.search.is_empty() {
            pairs.push(format!("search={}", encode(&self.search)));
        }
        if self.unread {
            pairs.push("unread=1".to_owned());
        }
        if let Some(assigned) = self.assignee.as_param() {
            pairs.push(format!("assigned={assigned}"));
        }
        if let Some(tag) = self.tag {
            pairs.push(format!("tag={}", tag.0));
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

    pub fn with_assignee(&self, assignee: Assignee) -> Self {
        Self {
            assignee,
            offset: 0,
            ..self.clone()
        }
    }

    /// Whether anything narrows the list.
    pub fn is_filtered(&self) -> bool {
        !self.search.is_empty()
            || self.unread
            || self.assignee != Assignee::Anyone
            || self.tag.is_some()
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
            ..ListQuery::default()
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

    #[test]
    fn the_assignee_and_tag_filters_are_kept_and_nonsense_is_ignored() {
        let raw = ListQuery {
            assigned: "mine".into(),
            tag: "7".into(),
            offset: "50".into(),
            ..ListQuery::default()
        };
        let view = raw.view();
        assert_eq!(view.assignee, Assignee::Me);
        assert_eq!(view.query_string(), "?assigned=mine&tag=7&offset=50");
        assert_eq!(
            view.with_assignee(Assignee::Nobody).query_string(),
            "?assigned=unassigned&tag=7"
        );
        let junk = ListQuery {
            assigned: "<script>".into(),
            tag: "x".into(),
            ..ListQuery::default()
        };
        assert_eq!(junk.view(), ListView::default());
        assert!(!ListView::default().is_filtered());
    }
}
