//! The server-rendered pages: activation, admin panel, web inbox.

mod activation;
mod admin;
mod admin_view;
mod bubble;
mod chat_list;
mod chat_page;
mod composer;
mod csrf;
mod error;
mod inbox;
mod inbox_send;
mod layout;
mod list_query;
mod login;
mod media;
mod session;
mod summary;
mod when;

pub use error::{not_found, WebError};

use crate::state::AppState;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};

pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(|| async { Redirect::to("/inbox/") }))
        .route("/confirm_account", get(activation::confirm))
        .route("/admin", get(|| async { Redirect::to("/admin/") }))
        .route("/admin/", get(admin::panel))
        .route(
            "/admin/set-password",
            get(activation::password_form).post(activation::save_password),
        )
        .route(
            "/admin/login",
            get(login::admin_form).post(login::admin_submit),
        )
        .route("/admin/logout", post(login::admin_logout))
        .route("/admin/users", post(admin::add_user))
        .route("/admin/users/{id}/delete", post(admin::remove_user))
        .route("/inbox", get(|| async { Redirect::to("/inbox/") }))
        .route("/inbox/", get(inbox::home))
        .route(
            "/inbox/login",
            get(login::inbox_form).post(login::inbox_submit),
        )
        .route("/inbox/logout", post(login::inbox_logout))
        .route("/inbox/chats/{wa_id}", get(inbox::chat))
        .route("/inbox/chats/{wa_id}/send", post(inbox_send::send))
        .route("/inbox/media/{id}", get(media::file))
        .layer(middleware::map_response(page_headers));
    pages.route("/assets/inbox.css", get(stylesheet))
}

/// Pages carry secrets (CSRF tokens, user lists): never cached, never framed, no inline script.
/// A handler that sets its own policy or caching (the media files) keeps it.
async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    for (name, value) in set {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("inbox.css"),
    )
}
