//! Limit/offset pages, as Django REST framework's `LimitOffsetPagination` writes them.

use serde::{Deserialize, Serialize};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    limit: Option<u32>,
    offset: Option<u32>,
}

impl PageQuery {
    pub fn new(limit: Option<u32>, offset: Option<u32>) -> Self {
        Self { limit, offset }
    }

    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    pub fn offset(&self) -> u32 {
        self.offset.unwrap_or(0)
    }
}

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub count: u32,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

impl<T> Page<T> {
    /// `url` is the absolute URL of the list, without a query.
    pub fn new(url: &str, query: &PageQuery, count: u32, results: Vec<T>) -> Self {
        let (limit, offset) = (query.limit(), query.offset());
        let next = (offset.saturating_add(limit) < count)
            .then(|| format!("{url}?limit={limit}&offset={}", offset + limit));
        let previous = (offset > 0).then(|| match offset.saturating_sub(limit) {
            0 => format!("{url}?limit={limit}"),
            earlier => format!("{url}?limit={limit}&offset={earlier}"),
        });
        Self {
            count,
            next,
            previous,
            results,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(limit: u32, offset: u32) -> PageQuery {
        PageQuery {
            limit: Some(limit),
            offset: Some(offset),
        }
    }

    #[test]
    fn the_middle_page_links_both_ways_and_the_edges_link_one_way() {
        let middle = Page::<()>::new("http://x/api/v1/users/", &query(2, 2), 5, vec![]);
        assert_eq!(
            middle.next.as_deref(),
            Some("http://x/api/v1/users/?limit=2&offset=4")
        );
        assert_eq!(
            middle.previous.as_deref(),
            Some("http://x/api/v1/users/?limit=2")
        );
        let first = Page::<()>::new("u", &query(2, 0), 5, vec![]);
        assert_eq!(first.previous, None);
        let last = Page::<()>::new("u", &query(2, 4), 5, vec![]);
        assert_eq!(last.next, None);
        assert_eq!(last.previous.as_deref(), Some("u?limit=2&offset=2"));
    }
}
