//! The activation link: `/confirm_account?c=<code>` signs the admin in and leads to a clean
//! address where the admin chooses a password; SAVE stores it and opens the admin panel.
//!
//! The code works once: its first valid visit uses it up (a second visit says so). The session
//! that visit opens stays on the set-password page until the password is saved.

use super::error::WebError;
use super::layout::{csrf_field, notice, page, Tone};
use super::session::{self, ActivationSession};
use crate::accounts;
use crate::clock;
use crate::domain::{NewPassword, MIN_PASSWORD_CHARS};
use crate::secret::SecretDigest;
use crate::state::AppState;
use crate::store::Area;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::CookieJar;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ConfirmQuery {
    c: Option<String>,
}

pub async fn confirm(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<ConfirmQuery>,
) -> Result<Response, WebError> {
    let presented = SecretDigest::of(query.c.as_deref().unwrap_or("").trim());
    let activation = state.store.activation().await?;
    let activation = activation
        .filter(|a| a.code.matches(&presented))
        .ok_or(WebError::ActivationInvalid)?;
    if activation.used {
        return Err(WebError::ActivationUsed);
    }
    let now = clock::now();
    if now >= activation.expires_at {
        return Err(WebError::ActivationExpired);
    }
    if !state.store.use_activation(now).await? {
        return Err(WebError::ActivationUsed);
    }
    let user = state.store.user(activation.user).await?;
    let user = user.ok_or(WebError::ActivationInvalid)?;
    let jar = session::open(&state, jar, &user, Area::Admin, true).await?;
    tracing::info!(user = user.username.as_str(), "activation link used");
    Ok((jar, Redirect::to("/admin/set-password")).into_response())
}

pub async fn password_form(
    State(state): State<AppState>,
    ActivationSession(session): ActivationSession,
) -> Markup {
    set_password_page(
        session.user.username.as_str(),
        &session.csrf_token(&state),
        None,
    )
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    password: String,
    password_confirmation: String,
    csrf_token: String,
}

pub async fn save_password(
    State(state): State<AppState>,
    ActivationSession(session): ActivationSession,
    Form(input): Form<PasswordForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let password = match NewPassword::parse_confirmed(&input.password, &input.password_confirmation)
    {
        Ok(password) => password,
        Err(problem) => {
            let username = session.user.username.as_str();
            let page = set_password_page(username, &session.csrf_token(&state), Some(&problem));
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    accounts::set_password(&state, &session.user, password)
        .await
        .map_err(anyhow::Error::from)?;
    state.store.password_set_in_session(&session.token).await?;
    tracing::info!(
        user = session.user.username.as_str(),
        "password set after activation"
    );
    Ok(Redirect::to("/admin/?done=password-saved").into_response())
}

fn set_password_page(username: &str, csrf_token: &str, error: Option<&str>) -> Markup {
    page(
        "Set your password",
        "Admin panel",
        html! {},
        html! {
            section.card.narrow {
                h1 { "Set your password" }
                p { "Welcome, " strong { (username) } ". Choose the password you will use to sign in to the admin panel and the web inbox." }
                @if let Some(error) = error { (notice(Tone::Error, error)) }
                form.stack method="post" action="/admin/set-password" {
                    (csrf_field(csrf_token))
                    input type="hidden" name="username" autocomplete="username" value=(username);
                    label {
                        "New password"
                        span.hint { "At least " (MIN_PASSWORD_CHARS) " characters." }
                        input type="password" name="password" autocomplete="new-password" required minlength=(MIN_PASSWORD_CHARS);
                    }
                    label {
                        "Confirm the new password"
                        input type="password" name="password_confirmation" autocomplete="new-password" required minlength=(MIN_PASSWORD_CHARS);
                    }
                    button type="submit" { "SAVE" }
                }
            }
        },
    )
}
