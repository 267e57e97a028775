//! The one place where failures of the web pages become answers: redirects to the right page,
//! or a plain page that says what happened and where to go next.

use super::layout::{message_page, Link};
use super::session::login_path;
use crate::store::Area;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("sign-in required")]
    SignInRequired(Area),
    #[error("the form's CSRF token is missing or wrong")]
    CsrfRejected,
    #[error("page not found")]
    NotFound,
    #[error("invalid activation link")]
    ActivationInvalid,
    #[error("activation link already used")]
    ActivationUsed,
    #[error("activation link expired")]
    ActivationExpired,
    #[error("a received file could not be fetched from 360Dialog")]
    MediaUnavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let admin_login = Link::new("/admin/login", "Go to the sign-in page");
        let (status, title, text, link) = match self {
            Self::SignInRequired(area) => return Redirect::to(login_path(area)).into_response(),
            Self::CsrfRejected => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form was not sent from this page, or it is too old. Go back, reload the page and try again.",
                None,
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "Page not found", "There is nothing at this address.", None),
            Self::ActivationInvalid => (
                StatusCode::NOT_FOUND,
                "Invalid link",
                "This activation link is not valid. Check that you opened the whole link from the e-mail.",
                None,
            ),
            Self::ActivationUsed => (
                StatusCode::GONE,
                "This link was already used",
                "The account was already activated with this link. Sign in with the password you chose.",
                Some(admin_login),
            ),
            Self::ActivationExpired => (
                StatusCode::GONE,
                "This link has expired",
                "Activation links work for a limited time. Ask your provider for a new one.",
                None,
            ),
            Self::MediaUnavailable => (
                StatusCode::BAD_GATEWAY,
                "This file is not here yet",
                "It could not be fetched from 360Dialog yet. Try again in a moment.",
                None,
            ),
            Self::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The page could not be shown. Try again in a moment.",
                    None,
                )
            }
        };
        (status, message_page(title, text, link)).into_response()
    }
}

/// The answer for a page path no route serves.
pub async fn not_found() -> WebError {
    WebError::NotFound
}
