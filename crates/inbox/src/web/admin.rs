//! The admin panel: the instance, its seats and its users.

use super::admin_view::{panel_page, Draft, PanelView};
use super::error::WebError;
use super::layout::Tone;
use super::session::AdminSession;
use crate::accounts::{self, AccountError, NewUserInput};
use crate::domain::{FieldErrors, UserId};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PanelQuery {
    done: Option<String>,
}

/// What the panel says after a change; only these fixed texts can be shown.
fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "password-saved" => {
            Some("Your password is saved. Use it to sign in to the admin panel and the web inbox.")
        }
        "user-added" => Some("The user was added."),
        "user-removed" => Some("The user was removed."),
        _ => None,
    }
}

pub async fn panel(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(query): Query<PanelQuery>,
) -> Result<Response, WebError> {
    let done = query.done.as_deref().and_then(done_message);
    let mut view = PanelView::load(&state, &session).await?;
    view.notice = done.map(|text| (Tone::Success, text.to_owned()));
    Ok(panel_page(&view).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AddUserForm {
    username: String,
    email: String,
    password: String,
    role: String,
    csrf_token: String,
}

pub async fn add_user(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Form(input): Form<AddUserForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let added = accounts::add_user(
        &state,
        NewUserInput {
            username: Some(&input.username),
            password: Some(&input.password),
            email: Some(&input.email),
            role: Some(&input.role),
        },
    )
    .await;
    let error = match added {
        Ok(user) => {
            tracing::info!(
                user = user.username.as_str(),
                by = session.user.username.as_str(),
                "user added"
            );
            return Ok(Redirect::to("/admin/?done=user-added").into_response());
        }
        Err(e) => e,
    };
    let mut view = PanelView::load(&state, &session).await?;
    view.draft = Draft {
        username: input.username,
        email: input.email,
        role: input.role,
    };
    refused(view, error)
}

pub async fn remove_user(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<i64>,
    Form(input): Form<super::login::CsrfOnly>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    match accounts::remove_user(&state, &session.user, UserId(id)).await {
        Ok(()) => Ok(Redirect::to("/admin/?done=user-removed").into_response()),
        Err(e) => refused(PanelView::load(&state, &session).await?, e),
    }
}

/// The panel again, saying why the change was refused.
fn refused(mut view: PanelView, error: AccountError) -> Result<Response, WebError> {
    let status = error.http_status();
    match error {
        AccountError::Internal(e) => return Err(e.into()),
        AccountError::Invalid(fields) => {
            view.notice = Some((
                Tone::Error,
                "The user was not added: check the fields below.".into(),
            ));
            view.field_errors = fields;
        }
        other => {
            view.notice = Some((Tone::Error, other.to_string()));
            view.field_errors = FieldErrors::default();
        }
    }
    Ok((status, panel_page(&view)).into_response())
}
