//! The activation link: `/confirm_account?c=<code>` shows the form where the admin chooses a
//! password; saving it spends the code, stores the password and opens the admin panel.
//!
//! Looking at the link changes nothing (a mail scanner, a preview or a closed tab must not use it
//! up): the code works until a password is saved with it, it expires, or a fresher link replaces
//! it. The page carries the code in a hidden field; it is the form's only credential, so the form
//! needs no session and no CSRF token (nobody without the code can post it).

use super::error::WebError;
use super::layout::{notice, page, Tone};
use super::session;
use crate::clock;
use crate::domain::{NewPassword, MIN_PASSWORD_CHARS};
use crate::password;
use crate::secret::SecretDigest;
use crate::state::AppState;
use crate::store::{ActivationRefusal, Area};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::CookieJar;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ConfirmQuery {
    c: String,
}

/// `GET /confirm_account?c=`: the set-password form, or why the link does not work.
pub async fn confirm(
    State(state): State<AppState>,
    Query(query): Query<ConfirmQuery>,
) -> Result<Response, WebError> {
    let code = query.c.trim();
    let user = state
        .store
        .check_activation(&SecretDigest::of(code), clock::now())
        .await?
        .map_err(refused)?;
    let user = state
        .store
        .user(user)
        .await?
        .ok_or(WebError::ActivationInvalid)?;
    Ok(set_password_page(user.username.as_str(), code, None).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    c: String,
    password: String,
    password_confirmation: String,
}

/// `POST /confirm_account`: with a valid code and an acceptable password, the password is saved,
/// the code spent and the admin signed in to the panel.
pub async fn save_password(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(input): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let code = input.c.trim();
    let presented = SecretDigest::of(code);
    let user = state
        .store
        .check_activation(&presented, clock::now())
        .await?
        .map_err(refused)?;
    let user = state
        .store
        .user(user)
        .await?
        .ok_or(WebError::ActivationInvalid)?;
    let password = match NewPassword::parse_confirmed(&input.password, &input.password_confirmation)
    {
        Ok(password) => password,
        Err(problem) => {
            let page = set_password_page(user.username.as_str(), code, Some(&problem));
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let hash = password::hash(password).await?;
    state
        .store
        .activate(&presented, &hash, clock::now())
        .await?
        .map_err(refused)?;
    let jar = session::open(&state, jar, &user, Area::Admin).await?;
    tracing::info!(
        user = user.username.as_str(),
        "password set with the activation link"
    );
    Ok((jar, Redirect::to("/admin/?done=password-saved")).into_response())
}

fn refused(refusal: ActivationRefusal) -> WebError {
    match refusal {
        ActivationRefusal::Invalid => WebError::ActivationInvalid,
        ActivationRefusal::Used => WebError::ActivationUsed,
        ActivationRefusal::Expired => WebError::ActivationExpired,
    }
}

fn set_password_page(username: &str, code: &str, error: Option<&str>) -> Markup {
    page(
        "Set your password",
        "Admin panel",
        html! {},
        html! {
            section.card.narrow {
                h1 { "Set your password" }
                p { "Welcome, " strong { (username) } ". Choose the password you will use to sign in to the admin panel and the web inbox." }
                @if let Some(error) = error { (notice(Tone::Error, error)) }
                form.stack method="post" action="/confirm_account" {
                    input type="hidden" name="c" value=(code);
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
