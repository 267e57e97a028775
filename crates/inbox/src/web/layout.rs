//! The frame every page shares, and the small pieces forms are made of.

use super::assets;
use super::csrf;
use maud::{html, Markup, PreEscaped, DOCTYPE};

pub struct Link {
    pub href: &'static str,
    pub label: &'static str,
}

impl Link {
    pub fn new(href: &'static str, label: &'static str) -> Self {
        Self { href, label }
    }
}

#[derive(Clone, Copy)]
pub enum Tone {
    Success,
    Error,
    Info,
}

/// A whole page: the top bar (brand on the left, `right` on the right) above `content`.
pub fn page(title: &str, area_name: &str, right: Markup, content: Markup) -> Markup {
    frame(title, area_name, false, right, content)
}

/// A page of the web inbox: it runs the inbox's script, which keeps it up to date.
pub fn live_page(title: &str, area_name: &str, right: Markup, content: Markup) -> Markup {
    frame(title, area_name, true, right, content)
}

fn frame(title: &str, area_name: &str, live: bool, right: Markup, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · WhatsApp Inbox" }
                link rel="stylesheet" href=(assets::stylesheet_path());
                @if live { script src=(assets::script_path()) defer {} }
            }
            body {
                header.topbar {
                    div.brand {
                        (logo())
                        span.brand-name { "WhatsApp Inbox" }
                        @if !area_name.is_empty() { span.brand-area { (area_name) } }
                    }
                    div.topbar-right { (right) }
                }
                main { (content) }
            }
        }
    }
}

/// A page with one message and, maybe, where to go next.
pub fn message_page(title: &str, text: &str, link: Option<Link>) -> Markup {
    page(
        title,
        "",
        html! {},
        html! {
            section.card.narrow {
                h1 { (title) }
                p { (text) }
                @if let Some(link) = link { p { a.button href=(link.href) { (link.label) } } }
            }
        },
    )
}

pub fn notice(tone: Tone, text: &str) -> Markup {
    let class = match tone {
        Tone::Success => "notice success",
        Tone::Error => "notice error",
        Tone::Info => "notice info",
    };
    html! { p class=(class) role=(if matches!(tone, Tone::Error) { "alert" } else { "status" }) { (text) } }
}

pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(csrf::FIELD) value=(token); }
}

/// A button that posts a one-field form (sign-out, remove), protected like every form.
pub fn post_button(action: &str, csrf_token: &str, label: &str, class: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(csrf_token))
            button type="submit" class=(class) { (label) }
        }
    }
}

/// "2 of 5 seats in use", with a bar.
pub fn seat_meter(in_use: u32, limit: u32) -> Markup {
    html! {
        div.seats {
            span.seats-text { strong { (in_use) } " of " strong { (limit) } " seats in use" }
            progress value=(in_use.min(limit)) max=(limit) { (in_use) " of " (limit) }
        }
    }
}

fn logo() -> Markup {
    PreEscaped(
        r##"<svg class="logo" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="8" fill="#128c7e"/><path d="M9 10.5A2.5 2.5 0 0 1 11.5 8h9A2.5 2.5 0 0 1 23 10.5v7a2.5 2.5 0 0 1-2.5 2.5H15l-4.5 4v-4H11.5A2.5 2.5 0 0 1 9 17.5z" fill="#fff"/></svg>"##
            .to_owned(),
    )
}
