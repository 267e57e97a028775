//! How the team's marks on a chat look wherever they are shown: its tags as coloured chips, who
//! handles it, and whether it is resolved.
//!
//! A tag's colour is a checked hex value (`TagColor`) and goes into an SVG `fill` attribute: the
//! pages allow no inline styles, and nothing else could ride along in it.

use crate::domain::{TagColor, User};
use crate::store::{ChatRecord, Group, Tagging};
use maud::{html, Markup};

/// A tag as a chip: a dot in its colour and its name.
pub fn tag_chip(tagging: &Tagging) -> Markup {
    html! {
        span.tag-chip title={ "Tag: " (tagging.tag.name.as_str()) } {
            (dot(&tagging.tag.color))
            span.tag-name { (tagging.tag.name.as_str()) }
        }
    }
}

pub fn dot(color: &TagColor) -> Markup {
    html! {
        svg.tag-dot viewBox="0 0 10 10" aria-hidden="true" {
            @if color.is_none() {
                circle cx="5" cy="5" r="4" fill="none" stroke="#8a969c" stroke-width="1.5" {}
            } @else {
                circle cx="5" cy="5" r="5" fill=(color.as_str()) {}
            }
        }
    }
}

/// A small figure of a person, before a name.
pub fn person_icon() -> Markup {
    html! {
        svg.person-icon viewBox="0 0 16 16" aria-hidden="true" {
            // Closed explicitly: in an HTML page an SVG element left open holds the next one.
            circle cx="8" cy="5" r="3" fill="currentColor" {}
            path d="M2.5 14.5c0-3 2.5-5 5.5-5s5.5 2 5.5 5z" fill="currentColor" {}
        }
    }
}

/// "bruno · Sales", "Sales", or `None` for a chat nobody handles.
pub fn assignee_text(user: Option<&User>, group: Option<&Group>) -> Option<String> {
    match (user, group) {
        (Some(user), Some(group)) => Some(format!("{} · {}", user.username.as_str(), group.name)),
        (Some(user), None) => Some(user.username.as_str().to_owned()),
        (None, Some(group)) => Some(group.name.clone()),
        (None, None) => None,
    }
}

/// The chat's marks in one line of the list: resolved, who handles it, its tags.
pub fn list_marks(chat: &ChatRecord) -> Markup {
    let assignee = assignee_text(chat.assigned_user.as_ref(), chat.assigned_group.as_ref());
    let resolved = chat.resolved_at.is_some();
    html! {
        @if resolved || assignee.is_some() || !chat.tags.is_empty() {
            span.chat-marks {
                @if resolved { span.resolved-mark title="Resolved" { "✓ Resolved" } }
                @if let Some(assignee) = &assignee {
                    span.assignee title="Assigned to" {
                        span.visually-hidden { "Assigned to " } (person_icon()) (assignee)
                    }
                }
                @for tagging in &chat.tags { (tag_chip(tagging)) }
            }
        }
    }
}
