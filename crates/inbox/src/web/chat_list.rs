//! The list of conversations: search, the unread, assignee and tag filters, one page of the chats
//! the viewer may see and the links to the pages around it. Its links all lead to `/inbox/`: a
//! search closes the open conversation.

use super::bubble::Delivery;
use super::list_query::{Assignee, ListView, PAGE_SIZE};
use super::summary::preview;
use super::team_marks::list_marks;
use super::when;
use crate::domain::{Tag, User};
use crate::state::AppState;
use crate::store::{ChatFilter, ChatRecord};
use maud::{html, Markup};

/// Tags the filter offers, in the store's order.
pub const OFFERED_TAGS: u32 = 200;

pub struct ChatList {
    pub view: ListView,
    pub total: u32,
    pub chats: Vec<ChatRecord>,
    /// The conversation open beside the list.
    pub open: Option<String>,
    /// Every tag, for the filter.
    pub tags: Vec<Tag>,
}

impl ChatList {
    /// The chats `viewer` may see (`Store::chat_visible_to`), as `view` narrows them.
    pub async fn load(
        state: &AppState,
        viewer: &User,
        view: ListView,
        open: Option<String>,
    ) -> anyhow::Result<Self> {
        let filter = ChatFilter {
            search: Some(view.search.clone()).filter(|s| !s.is_empty()),
            unread: view.unread,
            viewer: Some(viewer.clone()),
            assigned_user: (view.assignee == Assignee::Me).then_some(viewer.id),
            unassigned: view.assignee == Assignee::Nobody,
            tag: view.tag,
            ..ChatFilter::default()
        };
        let (total, chats) = state
            .store
            .chats_page(&filter, PAGE_SIZE, view.offset)
            .await?;
        let (_, tags) = state.store.tags_page(OFFERED_TAGS, 0).await?;
        Ok(Self {
            view,
            total,
            chats,
            open,
            tags,
        })
    }

    pub fn render(&self, now: i64) -> Markup {
        let view = &self.view;
        html! {
            div.inbox-list {
                div.list-head {
                    h2 { "Conversations" }
                    form.search method="get" action="/inbox/" role="search" {
                        (hidden_filters(view, true))
                        input type="search" name="search" value=(view.search)
                            placeholder="Name, number or text" aria-label="Search conversations";
                        button.quiet type="submit" { "Search" }
                    }
                    nav.filters aria-label="Filter" {
                        (filter_link("All", !view.unread, &view.with_unread(false)))
                        (filter_link("Unread", view.unread, &view.with_unread(true)))
                        (filter_link("Mine", view.assignee == Assignee::Me, &view.with_assignee(
                            if view.assignee == Assignee::Me { Assignee::Anyone } else { Assignee::Me })))
                        (filter_link("Unassigned", view.assignee == Assignee::Nobody, &view.with_assignee(
                            if view.assignee == Assignee::Nobody { Assignee::Anyone } else { Assignee::Nobody })))
                    }
                    @if !self.tags.is_empty() || view.tag.is_some() {
                        form.tag-filter method="get" action="/inbox/" {
                            (hidden_filters(view, false))
                            @if !view.search.is_empty() { input type="hidden" name="search" value=(view.search); }
                            label {
                                span.visually-hidden { "Tag" }
                                select name="tag" data-autosubmit aria-label="Show only chats with this tag" {
                                    option value="" { "Any tag" }
                                    @for tag in &self.tags {
                                        option value=(tag.id.0) selected[view.tag == Some(tag.id)] { (tag.name.as_str()) }
                                    }
                                }
                            }
                            button.quiet type="submit" { "Filter" }
                        }
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
                    (list_marks(chat))
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
        let filtered = self.view.is_filtered();
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

/// The list's other filters as hidden fields of a form that sets one of them.
fn hidden_filters(view: &ListView, with_tag: bool) -> Markup {
    html! {
        @if view.unread { input type="hidden" name="unread" value="1"; }
        @match view.assignee {
            Assignee::Me => { input type="hidden" name="assigned" value="mine"; }
            Assignee::Nobody => { input type="hidden" name="assigned" value="unassigned"; }
            Assignee::Anyone => {}
        }
        @if with_tag { @if let Some(tag) = view.tag { input type="hidden" name="tag" value=(tag.0); } }
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
