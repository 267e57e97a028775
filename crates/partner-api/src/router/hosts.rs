//! Which instance labels a host label may mean, in the order the router tries them.
//!
//! `websockets-{subdomain}` is the push channel address of `{subdomain}` (the web front-end derives
//! it). It is accepted at any length: with a 63-character subdomain it is longer than a DNS label
//! may be, and the instance serves its push channel on its own host too (`/ws/`, `/`).
//!
//! A partner may also create a subdomain that itself starts with `websockets-`, so both readings
//! of `websockets-acme` can name an instance. The rule:
//! - a websocket upgrade tries `acme` first, then `websockets-acme`: the documented push channel of
//!   every instance reaches that instance whatever names others create later, so nobody can take
//!   over `acme`'s live updates (or receive its users' tokens) by creating `websockets-acme`. What
//!   `websockets-acme` loses is only the upgrade on its own host; its documented channel
//!   (`websockets-websockets-acme`) still reaches it.
//! - every other request tries `websockets-acme` first, then `acme`: an instance's own pages and
//!   API always stay on its own host.

use instance_contract::bootstrap::WEBSOCKET_HOST_PREFIX;

/// One or two labels, the first to be tried first.
pub fn labels_to_try(label: &str, websocket: bool) -> Vec<&str> {
    let Some(subdomain) = label
        .strip_prefix(WEBSOCKET_HOST_PREFIX)
        .filter(|s| !s.is_empty())
    else {
        return vec![label];
    };
    if websocket {
        vec![subdomain, label]
    } else {
        vec![label, subdomain]
    }
}

#[cfg(test)]
mod tests {
    use super::labels_to_try;

    #[test]
    fn a_plain_label_is_only_itself() {
        assert_eq!(labels_to_try("acme", true), ["acme"]);
        assert_eq!(labels_to_try("acme", false), ["acme"]);
        assert_eq!(labels_to_try("websockets-", true), ["websockets-"]);
    }

    #[test]
    fn a_websocket_tries_the_push_channel_reading_first() {
        assert_eq!(
            labels_to_try("websockets-acme", true),
            ["acme", "websockets-acme"]
        );
        assert_eq!(
            labels_to_try("websockets-websockets-acme", true),
            ["websockets-acme", "websockets-websockets-acme"]
        );
    }

    #[test]
    fn other_requests_try_the_label_as_written_first() {
        assert_eq!(
            labels_to_try("websockets-acme", false),
            ["websockets-acme", "acme"]
        );
    }

    #[test]
    fn a_label_longer_than_dns_allows_is_still_read() {
        let subdomain = "a".repeat(63);
        let label = format!("websockets-{subdomain}");
        assert_eq!(
            labels_to_try(&label, true),
            [subdomain.as_str(), label.as_str()]
        );
    }
}
