//! Answering from the web inbox: the composer's text, a saved response or a chosen template goes
//! out through the same send path as the API's, and the conversation comes back saying how it
//! went.

use super::bubble::Delivery;
use super::chat_page::{visible_chat, ChatPage};
use super::composer::{Draft, TemplateChoice, OFFERED_TEMPLATES};
use super::error::WebError;
use super::layout::Tone;
use super::list_query::{ListQuery, ListView};
use super::session::{InboxSession, WebSession};
use crate::domain::outgoing::Outgoing;
use crate::domain::WaId;
use crate::messaging::outbox::SendOutcome;
use crate::messaging::send::{self, SendError};
use crate::state::AppState;
use crate::store::MessageRecord;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SendForm {
    csrf_token: String,
    /// `text` (the composer), `saved` (a saved response) or `template`.
    #[serde(rename = "type")]
    kind: String,
    body: String,
    /// `language:name`, see `TemplateChoice::key`.
    template: String,
    /// A saved response's id.
    saved_response: String,
}

pub async fn send(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
    Path(wa_id): Path<String>,
    Query(query): Query<ListQuery>,
    Form(form): Form<SendForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &form.csrf_token)?;
    let wa_id = visible_chat(&state, &session.user, &wa_id).await?;
    let view = query.view();
    let request = match form.kind.as_str() {
        "template" => match template_request(&state, &wa_id, &form.template).await? {
            Some(request) => request,
            None => {
                let problem = "Choose one of the templates listed.".to_owned();
                return refused(&state, &session, &wa_id, view, draft(form), problem).await;
            }
        },
        "saved" => {
            let saved = match form.saved_response.trim().parse::<i64>() {
                Ok(id) => state.store.saved_response(id).await?,
                Err(_) => None,
            };
            match saved {
                Some(saved) => text_request(&wa_id, &saved.text),
                None => {
                    let problem = "Choose one of the saved responses listed.".to_owned();
                    return refused(&state, &session, &wa_id, view, draft(form), problem).await;
                }
            }
        }
        _ => text_request(&wa_id, &form.body),
    };
    let outgoing = match Outgoing::parse(&request) {
        Ok(outgoing) => outgoing,
        Err(errors) => {
            let problem = errors.messages().collect::<Vec<_>>().join(" ");
            return refused(&state, &session, &wa_id, view, draft(form), problem).await;
        }
    };
    deliver(&state, &session, &wa_id, &view, &outgoing).await
}

fn text_request(wa_id: &WaId, body: &str) -> Value {
    json!({"wa_id": wa_id.as_str(), "type": "text", "text": {"body": body}})
}

fn draft(form: SendForm) -> Draft {
    Draft {
        body: form.body,
        template: form.template,
        error: None,
    }
}

/// Sends through the API's send path; 303 to the conversation, which then says how it went.
pub async fn deliver(
    state: &AppState,
    session: &WebSession,
    wa_id: &WaId,
    view: &ListView,
    outgoing: &Outgoing,
) -> Result<Response, WebError> {
    let sent = match send::send(state, &session.user, outgoing).await {
        Ok(sent) => sent,
        Err(SendError::OutsideWindow) => return Ok(back(wa_id, view, "window-closed", None)),
        Err(SendError::Internal(e)) => return Err(e.into()),
    };
    let outcome = match sent.outcome {
        SendOutcome::Sent => "sent",
        SendOutcome::Deferred(_) => "queued",
        SendOutcome::Refused(_) | SendOutcome::KeyRejected => "failed",
    };
    tracing::info!(
        message = sent.message.id,
        by = session.user.username.as_str(),
        outcome,
        "sent from the web inbox"
    );
    Ok(back(wa_id, view, outcome, Some(sent.message.id)))
}

/// The chosen template's request, if it is one the form offers and may send.
async fn template_request(
    state: &AppState,
    wa_id: &WaId,
    chosen: &str,
) -> anyhow::Result<Option<Value>> {
    let (_, templates) = state.store.templates_page(OFFERED_TEMPLATES, 0).await?;
    let found = templates
        .iter()
        .filter_map(TemplateChoice::of)
        .find(|t| t.unsendable.is_none() && t.key() == chosen);
    Ok(found.map(|t| {
        json!({"wa_id": wa_id.as_str(), "type": "template", "template": {
            "name": t.name,
            "language": {"code": t.language, "policy": "deterministic"},
        }})
    }))
}

/// The conversation again, with what was typed and why it was not sent.
pub async fn refused(
    state: &AppState,
    session: &WebSession,
    wa_id: &WaId,
    view: ListView,
    draft: Draft,
    problem: String,
) -> Result<Response, WebError> {
    let mut page = ChatPage::load(state, session, wa_id, view).await?;
    page.draft = Draft {
        error: Some(problem),
        ..draft
    };
    Ok((StatusCode::BAD_REQUEST, page.render()).into_response())
}

/// 303 to the conversation, which then says how the send went (see `SentQuery`).
fn back(wa_id: &WaId, view: &ListView, outcome: &str, message: Option<i64>) -> Response {
    let list = view.query_string();
    let separator = if list.is_empty() { '?' } else { '&' };
    let mut to = format!("/inbox/chats/{wa_id}{list}{separator}sent={outcome}");
    if let Some(id) = message {
        to.push_str(&format!("&message={id}"));
    }
    Redirect::to(&to).into_response()
}

/// `?sent=…&message=…` after a send. Only fixed texts are shown, and a failure's reason as the
/// store has it: an address cannot make the page say anything else.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SentQuery {
    sent: String,
    message: String,
}

impl SentQuery {
    pub fn notice(&self, messages: &[MessageRecord]) -> Option<(Tone, String)> {
        let (tone, text) = match self.sent.as_str() {
            "sent" => (Tone::Success, "Sent.".to_owned()),
            "queued" => (
                Tone::Info,
                "Queued: 360Dialog is not available right now. The message will be sent as soon \
                 as it answers."
                    .to_owned(),
            ),
            "failed" => (Tone::Error, format!("Not sent: {}", self.failure(messages))),
            "window-closed" => (Tone::Error, SendError::OutsideWindow.to_string()),
            _ => return None,
        };
        Some((tone, text))
    }

    fn failure(&self, messages: &[MessageRecord]) -> String {
        let id = self.message.parse::<i64>().ok();
        let message = messages.iter().find(|m| m.from_us && Some(m.id) == id);
        match message.map(Delivery::of) {
            Some(Delivery::Failed(reason)) => reason,
            _ => "the message below says why.".into(),
        }
    }
}
