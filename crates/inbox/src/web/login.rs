//! Sign-in and sign-out of the admin panel and of the web inbox: the same form, two areas.

use super::csrf::{self, Binding};
use super::error::WebError;
use super::layout::{csrf_field, notice, page, Tone};
use super::session::{self, home_path, login_path, AdminSession, InboxSession, WebSession};
use crate::accounts::{self, AccountError};
use crate::client_addr::ClientAddr;
use crate::domain::Role;
use crate::login_limiter::{FAILURES_PER_USERNAME, WINDOW};
use crate::secret::random_hex;
use crate::state::AppState;
use crate::store::Area;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::{html, Markup};
use serde::Deserialize;

/// Binds the sign-in form to this browser (see `csrf`).
const FORM_COOKIE: &str = "login_csrf";

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    username: String,
    password: String,
    csrf_token: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf_token: String,
}

pub async fn admin_form(State(state): State<AppState>, jar: CookieJar) -> Response {
    form(&state, jar, Area::Admin, StatusCode::OK, None, "")
}

pub async fn inbox_form(State(state): State<AppState>, jar: CookieJar) -> Response {
    form(&state, jar, Area::Inbox, StatusCode::OK, None, "")
}

pub async fn admin_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientAddr(address): ClientAddr,
    Form(input): Form<SignInForm>,
) -> Result<Response, WebError> {
    submit(&state, jar, Area::Admin, address, input).await
}

pub async fn inbox_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientAddr(address): ClientAddr,
    Form(input): Form<SignInForm>,
) -> Result<Response, WebError> {
    submit(&state, jar, Area::Inbox, address, input).await
}

pub async fn admin_logout(
    State(state): State<AppState>,
    jar: CookieJar,
    AdminSession(session): AdminSession,
    Form(input): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    logout(&state, jar, &session, Area::Admin, &input.csrf_token).await
}

pub async fn inbox_logout(
    State(state): State<AppState>,
    jar: CookieJar,
    InboxSession(session): InboxSession,
    Form(input): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    logout(&state, jar, &session, Area::Inbox, &input.csrf_token).await
}

async fn submit(
    state: &AppState,
    jar: CookieJar,
    area: Area,
    address: std::net::IpAddr,
    input: SignInForm,
) -> Result<Response, WebError> {
    let seed = jar
        .get(FORM_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if seed.is_empty()
        || !csrf::verify(
            &state.identity.form_key,
            Binding::SignInForm(&seed),
            &input.csrf_token,
        )
    {
        return Err(WebError::CsrfRejected);
    }
    let user = match accounts::sign_in(state, &input.username, &input.password, address).await {
        Ok(user) => user,
        Err(AccountError::Internal(e)) => return Err(e.into()),
        Err(e) => {
            // Telling the configurator's name apart from a wrong password would tell a stranger
            // who the configurator is: it gets the answer every failed sign-in gets.
            let (e, shown) = match e {
                AccountError::ConfiguratorCannotSignIn => (AccountError::BadCredentials, ""),
                e => (e, input.username.as_str()),
            };
            return Ok(form(
                state,
                jar,
                area,
                e.http_status(),
                Some(&e.to_string()),
                shown,
            ));
        }
    };
    if area == Area::Admin && user.role != Role::Admin {
        let message = "The admin panel is for admins only. Agents sign in to the web inbox.";
        return Ok(form(
            state,
            jar,
            area,
            StatusCode::FORBIDDEN,
            Some(message),
            &input.username,
        ));
    }
    let jar = session::open(state, jar, &user, area).await?;
    tracing::info!(
        user = user.username.as_str(),
        area = area.as_str(),
        "signed in"
    );
    Ok((jar, Redirect::to(home_path(area))).into_response())
}

async fn logout(
    state: &AppState,
    jar: CookieJar,
    session: &WebSession,
    area: Area,
    csrf_token: &str,
) -> Result<Response, WebError> {
    session.check_csrf(state, csrf_token)?;
    let jar = session::close(state, jar, session, area).await?;
    Ok((jar, Redirect::to(login_path(area))).into_response())
}

/// The sign-in page, with a fresh form cookie if this browser has none yet.
fn form(
    state: &AppState,
    jar: CookieJar,
    area: Area,
    status: StatusCode,
    error: Option<&str>,
    username: &str,
) -> Response {
    let (jar, seed) = match jar.get(FORM_COOKIE) {
        Some(cookie) if !cookie.value().is_empty() => {
            let seed = cookie.value().to_owned();
            (jar, seed)
        }
        _ => {
            let seed = random_hex(16);
            let cookie = Cookie::build((FORM_COOKIE, seed.clone()))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(state.secure_cookies());
            (jar.add(cookie), seed)
        }
    };
    let token = csrf::token(&state.identity.form_key, Binding::SignInForm(&seed));
    (status, jar, sign_in_page(area, &token, error, username)).into_response()
}

fn sign_in_page(area: Area, csrf_token: &str, error: Option<&str>, username: &str) -> Markup {
    let (title, area_name, other) = match area {
        Area::Admin => (
            "Sign in to the admin panel",
            "Admin panel",
            ("/inbox/login", "Sign in to the web inbox instead"),
        ),
        Area::Inbox => (
            "Sign in to the web inbox",
            "Web Inbox",
            ("/admin/login", "Sign in to the admin panel instead"),
        ),
    };
    let minutes = WINDOW.as_secs() / 60;
    page(
        title,
        area_name,
        html! {},
        html! {
            section.card.narrow {
                h1 { (title) }
                @if let Some(error) = error { (notice(Tone::Error, error)) }
                form.stack method="post" action=(login_path(area)) {
                    (csrf_field(csrf_token))
                    label { "Username" input name="username" autocomplete="username" required value=(username); }
                    label { "Password" input type="password" name="password" autocomplete="current-password" required; }
                    button type="submit" { "Sign in" }
                }
                p.hint {
                    "You sign in to the admin panel and to the web inbox separately. After "
                    (FAILURES_PER_USERNAME) " failed attempts, sign-in is paused for " (minutes) " minutes."
                }
                p { a href=(other.0) { (other.1) } }
            }
        },
    )
}
