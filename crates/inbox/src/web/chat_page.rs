//! One conversation, with the list beside it: what the page needs, read once, and how it looks.

use super::bubble::bubble;
use super::chat_list::ChatList;
use super::chat_team::{assignable, TeamBar};
use super::composer::{composer, template_form, Draft, TemplateChoice, OFFERED_TEMPLATES};
use super::error::WebError;
use super::inbox::inbox_frame;
use super::layout::{notice, Tone};
use super::list_query::ListView;
use super::session::WebSession;
use super::when;
use crate::clock;
use crate::domain::outgoing::Outgoing;
use crate::domain::{User, WaId};
use crate::messaging::send::window_is_open;
use crate::state::AppState;
use crate::store::{ChatRecord, Group, MessageFilter, MessageRecord, SavedResponse};
use maud::{html, Markup};
use serde_json::json;

/// Messages a conversation shows: the newest ones.
const SHOWN_MESSAGES: u32 = 50;
/// Saved responses the composer offers, oldest first.
const OFFERED_SAVED_RESPONSES: u32 = 100;
/// Users and groups the assignment offers.
const OFFERED_ASSIGNEES: u32 = 500;

pub struct ChatPage {
    pub chat: ChatRecord,
    pub list: ChatList,
    /// Oldest first.
    pub messages: Vec<MessageRecord>,
    pub total_messages: u32,
    pub window_open: bool,
    pub templates: Vec<TemplateChoice>,
    pub saved_responses: Vec<SavedResponse>,
    /// Who the chat can be assigned to.
    pub people: Vec<User>,
    pub groups: Vec<Group>,
    me: User,
    pub notice: Option<(Tone, String)>,
    pub draft: Draft,
    csrf_token: String,
    username: String,
}

/// The chat's number from the address; anything else is not a page.
pub fn wa_id_of(raw: &str) -> Result<WaId, WebError> {
    WaId::parse(raw).ok_or(WebError::NotFound)
}

/// The chat of the address, if it exists and `user` may see it; else the page is not found,
/// the same answer for both (`Store::chat_visible_to`).
pub async fn visible_chat(state: &AppState, user: &User, raw: &str) -> Result<WaId, WebError> {
    let wa_id = wa_id_of(raw)?;
    if !state.store.chat_visible_to(user, &wa_id).await?
        || state.store.chat(&wa_id).await?.is_none()
    {
        return Err(WebError::NotFound);
    }
    Ok(wa_id)
}

impl ChatPage {
    /// Opening the conversation counts as reading it: its messages are marked received. A chat
    /// the user may not see is not found.
    pub async fn load(
        state: &AppState,
        session: &WebSession,
        wa_id: &WaId,
        view: ListView,
    ) -> Result<Self, WebError> {
        if !state.store.chat_visible_to(&session.user, wa_id).await? {
            return Err(WebError::NotFound);
        }
        if !state.store.mark_as_received(wa_id, i64::MAX).await? {
            return Err(WebError::NotFound);
        }
        let chat = state.store.chat(wa_id).await?.ok_or(WebError::NotFound)?;
        let list = ChatList::load(state, &session.user, view, Some(chat.wa_id.clone())).await?;
        let filter = MessageFilter {
            wa_id: Some(wa_id.clone()),
            ..MessageFilter::default()
        };
        let (total_messages, mut messages) = state
            .store
            .messages_page(&filter, SHOWN_MESSAGES, 0)
            .await?;
        messages.reverse();
        let window_open = window_is_open(state, &text_probe(wa_id)?).await?;
        let templates = if window_open {
            Vec::new()
        } else {
            let (_, all) = state.store.templates_page(OFFERED_TEMPLATES, 0).await?;
            all.iter().filter_map(TemplateChoice::of).collect()
        };
        let (_, saved_responses) = state
            .store
            .saved_responses_page(OFFERED_SAVED_RESPONSES, 0)
            .await?;
        let (_, people) = state.store.users_page(OFFERED_ASSIGNEES, 0).await?;
        let (_, groups) = state.store.groups_page(OFFERED_ASSIGNEES, 0).await?;
        Ok(Self {
            chat,
            list,
            messages,
            total_messages,
            window_open,
            templates,
            saved_responses,
            people: assignable(people),
            groups,
            me: session.user.clone(),
            notice: None,
            draft: Draft::default(),
            csrf_token: session.csrf_token(state),
            username: session.user.username.as_str().to_owned(),
        })
    }

    pub fn render(&self) -> Markup {
        let number = format!("+{}", self.chat.wa_id);
        let name = Some(self.chat.name.trim()).filter(|n| !n.is_empty());
        let title = name.unwrap_or(&number);
        let content = html! {
            section.card.inbox.with-chat {
                (self.list.render(clock::now()))
                div.inbox-chat.conversation {
                    header.chat-head #chat-head data-live {
                        a.back href={ "/inbox/" (self.list.view.query_string()) } title="All conversations" {
                            "←" span.visually-hidden { " All conversations" }
                        }
                        div.chat-title {
                            h1 { (title) }
                            @if name.is_some() { span.muted { (number) } }
                        }
                        a.refresh href=(self.path()) title="Show new messages" { "Refresh" }
                    }
                    (self.team_bar().render())
                    (self.messages())
                    div.chat-foot {
                        @if let Some((tone, text)) = &self.notice { (notice(*tone, text)) }
                        div #composer data-live data-mode=(if self.window_open { "text" } else { "template" }) {
                            (self.foot())
                        }
                    }
                }
            }
        };
        inbox_frame(title, &self.csrf_token, &self.username, content)
    }

    fn messages(&self) -> Markup {
        let hidden = self
            .total_messages
            .saturating_sub(self.messages.len() as u32);
        html! {
            // Laid out bottom-up, so the newest messages are in view without a script.
            div.messages {
                div.messages-inner #messages data-live {
                    @if hidden > 0 {
                        p.older-note { (hidden) " older messages are not shown here." }
                    }
                    @if self.messages.is_empty() { p.older-note { "No messages yet." } }
                    @for (day, message) in with_day_breaks(&self.messages, clock::now()) {
                        @if let Some(day) = day { div.day { span { (day) } } }
                        (bubble(message))
                    }
                }
            }
        }
    }

    fn team_bar(&self) -> TeamBar<'_> {
        TeamBar {
            chat: &self.chat,
            tags: &self.list.tags,
            people: &self.people,
            groups: &self.groups,
            me: &self.me,
            base: self.base(),
            list_query: self.list.view.query_string(),
            csrf_token: &self.csrf_token,
        }
    }

    fn foot(&self) -> Markup {
        let list = self.list.view.query_string();
        let action = format!("{}/send{list}", self.base());
        if self.window_open {
            let attach = format!("{}/attach{list}", self.base());
            composer(
                &action,
                &attach,
                &self.csrf_token,
                &self.draft,
                &self.saved_responses,
            )
        } else {
            template_form(&action, &self.csrf_token, &self.templates, &self.draft)
        }
    }

    fn base(&self) -> String {
        format!("/inbox/chats/{}", self.chat.wa_id)
    }

    /// This page again, with the list as it is.
    pub fn path(&self) -> String {
        format!("{}{}", self.base(), self.list.view.query_string())
    }
}

/// Each message with the name of its day when it is the first of that day.
fn with_day_breaks(messages: &[MessageRecord], now: i64) -> Vec<(Option<String>, &MessageRecord)> {
    let mut previous: Option<String> = None;
    messages
        .iter()
        .map(|message| {
            let day = when::day(message.timestamp, now);
            let first = previous.as_ref() != Some(&day);
            previous = Some(day.clone());
            (first.then_some(day), message)
        })
        .collect()
}

/// The window rule lives in `window_is_open`; it is asked about a text to this number.
fn text_probe(wa_id: &WaId) -> anyhow::Result<Outgoing> {
    let probe = json!({"wa_id": wa_id.as_str(), "type": "text", "text": {"body": "?"}});
    Outgoing::parse(&probe).map_err(|e| anyhow::anyhow!("a text probe is refused: {e:?}"))
}
