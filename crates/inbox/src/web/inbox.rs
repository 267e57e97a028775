//! The web inbox: conversations of the shared WhatsApp number (none yet).

use super::error::WebError;
use super::layout::{page, post_button, seat_meter};
use super::session::InboxSession;
use crate::state::AppState;
use axum::extract::State;
use maud::{html, Markup};

pub async fn home(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
) -> Result<Markup, WebError> {
    let seats_in_use = state.store.seats_in_use().await?;
    let seat_limit = state
        .store
        .platform_settings()
        .await?
        .max_number_of_seats
        .get();
    let csrf_token = session.csrf_token(&state);
    let right = html! {
        span.who { "Signed in as " strong.signed-in-user { (session.user.username.as_str()) } }
        (post_button("/inbox/logout", &csrf_token, "Sign out", "link"))
    };
    Ok(page(
        "Web Inbox",
        "Web Inbox",
        right,
        html! {
            (seat_meter(seats_in_use, seat_limit))
            section.card.inbox {
                div.inbox-list {
                    h2 { "Conversations" }
                    div.empty {
                        strong { "No conversations yet" }
                        "Messages sent to your WhatsApp Business number will appear here."
                    }
                }
                div.inbox-chat { p { "Select a conversation to read and reply." } }
            }
        },
    ))
}
