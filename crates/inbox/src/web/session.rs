//! Sign-in sessions of the two web areas, each in its own cookie: the admin panel and the web
//! inbox are signed in to separately, as in get.chat.
//!
//! The cookie holds a random token; the database holds its SHA-256. Cookies are `HttpOnly`,
//! `SameSite=Lax` (a link to the inbox from an e-mail or another site, a cross-site navigation,
//! opens signed in) and `Secure` when the public origin is https. A session
//! ends after 12 hours, or at sign-out.

use super::csrf::{self, Binding};
use super::error::WebError;
use crate::clock;
use crate::domain::{Role, User};
use crate::secret::{random_hex, SecretDigest};
use crate::state::AppState;
use crate::store::Area;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

pub const LIFETIME_SECS: i64 = 12 * 60 * 60;

pub fn login_path(area: Area) -> &'static str {
    match area {
        Area::Admin => "/admin/login",
        Area::Inbox => "/inbox/login",
    }
}

pub fn home_path(area: Area) -> &'static str {
    match area {
        Area::Admin => "/admin/",
        Area::Inbox => "/inbox/",
    }
}

fn cookie_name(area: Area) -> &'static str {
    match area {
        Area::Admin => "admin_session",
        Area::Inbox => "inbox_session",
    }
}

pub struct WebSession {
    pub user: User,
    pub token: SecretDigest,
}

impl WebSession {
    pub fn csrf_token(&self, state: &AppState) -> String {
        csrf::token(
            &state.identity.form_key,
            Binding::Session(self.token.as_hex()),
        )
    }

    pub fn check_csrf(&self, state: &AppState, presented: &str) -> Result<(), WebError> {
        let binding = Binding::Session(self.token.as_hex());
        if csrf::verify(&state.identity.form_key, binding, presented) {
            Ok(())
        } else {
            Err(WebError::CsrfRejected)
        }
    }

    async fn find(parts: &Parts, state: &AppState, area: Area) -> Result<Self, WebError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let cookie = jar
            .get(cookie_name(area))
            .ok_or(WebError::SignInRequired(area))?;
        let token = SecretDigest::of(cookie.value());
        let stored = state.store.session(&token, area, clock::now()).await?;
        let stored = stored.ok_or(WebError::SignInRequired(area))?;
        Ok(Self {
            user: stored.user,
            token,
        })
    }
}

/// Opens a session of `area` for `user` and adds its cookie to `jar`.
pub async fn open(
    state: &AppState,
    jar: CookieJar,
    user: &User,
    area: Area,
) -> Result<CookieJar, WebError> {
    let token = random_hex(32);
    let expires_at = clock::now() + LIFETIME_SECS;
    let digest = SecretDigest::of(&token);
    state
        .store
        .open_session(&digest, user.id, area, expires_at)
        .await?;
    let cookie = Cookie::build((cookie_name(area), token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies())
        .max_age(time::Duration::seconds(LIFETIME_SECS));
    Ok(jar.add(cookie))
}

pub async fn close(
    state: &AppState,
    jar: CookieJar,
    session: &WebSession,
    area: Area,
) -> Result<CookieJar, WebError> {
    state.store.close_session(&session.token).await?;
    state.push.session_ended(session.token.as_hex());
    Ok(jar.remove(Cookie::build(cookie_name(area)).path("/")))
}

/// A signed-in admin of the admin panel who has a password.
pub struct AdminSession(pub WebSession);

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let session = WebSession::find(parts, state, Area::Admin).await?;
        if session.user.role != Role::Admin {
            return Err(WebError::SignInRequired(Area::Admin));
        }
        Ok(Self(session))
    }
}

/// A signed-in user of the web inbox.
pub struct InboxSession(pub WebSession);

impl FromRequestParts<AppState> for InboxSession {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        WebSession::find(parts, state, Area::Inbox).await.map(Self)
    }
}
