//! The list of conversations: search, the unread filter, one page of chats and the links to the
//! pages around it. Its links all lead to `/inbox/`: a search closes the open conversation.

use super::bubble::Delivery;
use super::list_query::{ListView, PAGE_SIZE};
use super::summary::preview;
use super::when;
use crate::state::AppState;
use crate::store::{ChatFilter, ChatRecord};
use maud::{html, Markup};

pub struct ChatList {
    pub view: ListView,
    pub total: u32,
    pub chats: Vec<ChatRecord>,
    /// The conversation open beside the list.
    pub open: Option<String>,
}

impl ChatList {
    pub async fn load(
        state: &AppState,
        view: ListView,
        open: Option<String>,
    ) -> anyhow::Result<Self> {
        let filter = ChatFilter {
            search: Some(view.search.clone()).filter(|s| !s.is_empty()),
            unread: view.unread,
            ..ChatFilter::default()
        };
        let (total, chats) = state
            .store
            .chats_page(&filter, PAGE_SIZE, view.offset)
            .await?;
        Ok(Self {
            view,
            total,
            chats,
            open,
        })
    }

    pub fn render(&self, now: i64) -> Markup {
        let view = &self.view;
        html! {
            div.inbox-list {
                div.list-head {
                    h2 { "Conversations" }
                    form.search method="get" action="/inbox/" role="search" {
                        @if view.unread { input type="hidden" name="unread" value="1"; }
                        input type="search" name="search" value=(view.search)
                            placeholder="Name, number or text" aria-label="Search conversations";
                        button.quiet type="submit" { "Search" }
                    }
                    nav.filters aria-label="Filter" {
                        (filter_link("All", !view.unread, &view.with_unread(false)))
                        (filter_link("Unread", view.unread, &view.with_unread(true)))
                    }
                }
                // Swapped by the page's script when something changes; the search stays.
                div.chat-list #chat-list data-live {
                    @if self.chats.is_empty() { (self.empty()) }
                    ul.chats {
                        @for chat in &self.chats { li { (self.item(chat, now)) } }
                    }
                    (self.pager())
                }
            }
        }
    }

    fn item(&self, chat: &ChatRecord, now: i64) -> Markup {
        let open = self.open.as_deref() == Some(chat.wa_id.as_str());
        let number = format!("+{}", chat.wa_id);
        let name = if chat.name.trim().is_empty() {
            &number
        } else {
            &chat.name
        };
        let last = chat.last_message.as_ref();
        let delivery = last.filter(|m| m.from_us).map(Delivery::of);
        let href = format!("/inbox/chats/{}{}", chat.wa_id, self.view.query_string());
        html! {
            a.chat-item.open[open].unread[chat.new_messages > 0] href=(href)
                aria-current=[open.then_some("page")] {
                span.avatar aria-hidden="true" { (initial(name)) }
                span.chat-main {
                    span.chat-line {
                        span.chat-name { (name) }
                        @if chat.last_message_at > 0 {
                            span.chat-time { (when::tag(chat.last_message_at, &when::short(chat.last_message_at, now))) }
                        }
                    }
                    @if name != &number { span.chat-number { (number) } }
                    span.chat-line {
                        span.chat-preview {
                            @if let Some(Delivery::Failed(_)) = delivery {
                                span.failed-marker { "⚠ Not sent" } " · "
                            } @else if let Some(delivery) = &delivery { (delivery.mark()) " " }
                            @if let Some(m) = last { (preview(&m.kind, &m.waba_payload)) }
                        }
                        @if chat.new_messages > 0 {
                            span.badge title="Unread messages" { (chat.new_messages) }
                        }
                    }
                }
            }
        }
    }

    fn empty(&self) -> Markup {
        let filtered = !self.view.search.is_empty() || self.view.unread;
        html! {
            div.empty {
                @if filtered {
                    strong { "No conversations match" }
                    a href="/inbox/" { "Show all conversations" }
                } @else if self.view.offset > 0 {
                    strong { "No more conversations" }
                    a href="/inbox/" { "Back to the newest" }
                } @else {
                    strong { "No conversations yet" }
                    "Messages sent to your WhatsApp Business number will appear here."
                }
            }
        }
    }

    fn pager(&self) -> Markup {
        let offset = self.view.offset;
        let newer = (offset > 0).then(|| self.view.at(offset.saturating_sub(PAGE_SIZE)));
        let older = (offset + PAGE_SIZE < self.total).then(|| self.view.at(offset + PAGE_SIZE));
        html! {
            @if newer.is_some() || older.is_some() {
                nav.pager aria-label="Pages" {
                    @if let Some(newer) = newer { a href={ "/inbox/" (newer.query_string()) } { "← Newer" } }
                    span.muted { (offset + 1) "–" (offset + self.chats.len() as u32) " of " (self.total) }
                    @if let Some(older) = older { a href={ "/inbox/" (older.query_string()) } { "Older →" } }
                }
            }
        }
    }
}

fn filter_link(label: &str, current: bool, view: &ListView) -> Markup {
    html! {
        a.current[current] href={ "/inbox/" (view.query_string()) }
            aria-current=[current.then_some("page")] { (label) }
    }
}

fn initial(name: &str) -> String {
    match name.chars().find(|c| c.is_alphanumeric()) {
        Some(c) if c.is_alphabetic() => c.to_uppercase().collect(),
        _ => "#".into(),
    }
}
