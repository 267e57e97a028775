//! The web inbox: the conversations of the shared WhatsApp number, and one of them opened.

use super::chat_list::ChatList;
use super::chat_page::{wa_id_of, ChatPage};
use super::chat_team::TeamQuery;
use super::error::WebError;
use super::inbox_send::SentQuery;
use super::layout::{live_page, post_button, seat_meter, Tone};
use super::list_query::ListQuery;
use super::session::InboxSession;
use crate::clock;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use maud::{html, Markup};

pub async fn home(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
    Query(query): Query<ListQuery>,
) -> Result<Markup, WebError> {
    let seats_in_use = state.store.seats_in_use().await?;
    let seat_limit = state
        .store
        .platform_settings()
        .await?
        .max_number_of_seats
        .get();
    let list = ChatList::load(&state, &session.user, query.view(), None).await?;
    let content = html! {
        (seat_meter(seats_in_use, seat_limit))
        section.card.inbox {
            (list.render(clock::now()))
            div.inbox-chat.placeholder { p { "Select a conversation to read and reply." } }
        }
    };
    let csrf_token = session.csrf_token(&state);
    let username = session.user.username.as_str();
    Ok(inbox_frame("Web Inbox", &csrf_token, username, content))
}

pub async fn chat(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
    Path(wa_id): Path<String>,
    Query(query): Query<ListQuery>,
    Query(sent): Query<SentQuery>,
    Query(team): Query<TeamQuery>,
) -> Result<Markup, WebError> {
    let wa_id = wa_id_of(&wa_id)?;
    let mut chat = ChatPage::load(&state, &session, &wa_id, query.view()).await?;
    chat.notice = sent.notice(&chat.messages).or_else(|| {
        team.problem()
            .map(|problem| (Tone::Error, problem.to_owned()))
    });
    Ok(chat.render())
}

/// A page of the web inbox, with who is signed in and the way out in the top bar.
pub fn inbox_frame(title: &str, csrf_token: &str, username: &str, content: Markup) -> Markup {
    let right = html! {
        span.live-status #live-status role="status" hidden {}
        span.who { "Signed in as " strong.signed-in-user { (username) } }
        (post_button("/inbox/logout", csrf_token, "Sign out", "link"))
    };
    live_page(title, "Web Inbox", right, content)
}
