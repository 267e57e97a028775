//! The server-rendered pages: activation, admin panel, web inbox.

mod activation;
mod admin;
mod admin_groups;
mod admin_settings;
mod admin_tags;
mod admin_view;
mod assets;
mod bubble;
mod chat_list;
mod chat_page;
mod chat_team;
mod composer;
mod csrf;
mod error;
mod inbox;
mod inbox_attach;
mod inbox_send;
mod layout;
mod list_query;
mod live;
mod login;
mod media;
mod session;
mod summary;
mod team_marks;
mod when;

pub use error::{not_found, WebError};

use crate::messaging::uploads::MAX_READ_BYTES;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};

pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route(
            "/confirm_account",
            get(activation::confirm).post(activation::save_password),
        )
        .route("/admin", get(|| async { Redirect::to("/admin/") }))
        .route("/admin/", get(admin::panel))
        // get.chat's front-end links to its admin area at `/hub/`.
        .route("/hub", get(|| async { Redirect::to("/admin/") }))
        .route("/hub/", get(|| async { Redirect::to("/admin/") }))
        .route("/hub/{*rest}", get(|| async { Redirect::to("/admin/") }))
        // Its "Manage tags" link.
        .route(
            "/hub/main/tag/",
            get(|| async { Redirect::to("/admin/tags") }),
        )
        .route(
            "/admin/login",
            get(login::admin_form).post(login::admin_submit),
        )
        .route("/admin/logout", post(login::admin_logout))
        .route("/admin/users", post(admin::add_user))
        .route("/admin/users/{id}/delete", post(admin::remove_user))
        .route("/admin/tags", get(admin_tags::list).post(admin_tags::add))
        .route("/admin/tags/{id}", post(admin_tags::save))
        .route("/admin/tags/{id}/delete", post(admin_tags::delete))
        .route(
            "/admin/groups",
            get(admin_groups::list).post(admin_groups::add),
        )
        .route("/admin/groups/{id}", post(admin_groups::rename))
        .route("/admin/groups/{id}/delete", post(admin_groups::delete))
        .route("/admin/groups/{id}/members", post(admin_groups::add_member))
        .route(
            "/admin/groups/{id}/members/{user}/remove",
            post(admin_groups::remove_member),
        )
        .route(
            "/admin/settings",
            get(admin_settings::show).post(admin_settings::save),
        )
        .route("/inbox", get(|| async { Redirect::to("/inbox/") }))
        .route("/inbox/", get(inbox::home))
        .route(
            "/inbox/login",
            get(login::inbox_form).post(login::inbox_submit),
        )
        .route("/inbox/logout", post(login::inbox_logout))
        .route("/inbox/chats/{wa_id}", get(inbox::chat))
        .route("/inbox/chats/{wa_id}/send", post(inbox_send::send))
        .route(
            "/inbox/chats/{wa_id}/attach",
            post(inbox_attach::attach).layer(DefaultBodyLimit::max(MAX_READ_BYTES)),
        )
        .route("/inbox/chats/{wa_id}/tags", post(chat_team::add_tag))
        .route(
            "/inbox/chats/{wa_id}/tags/{tagging}/delete",
            post(chat_team::remove_tag),
        )
        .route("/inbox/chats/{wa_id}/resolve", post(chat_team::resolve))
        .route("/inbox/chats/{wa_id}/assign", post(chat_team::assign))
        .route("/inbox/media/{id}", get(media::file))
        .route("/inbox/ws", get(live::socket))
        .layer(middleware::map_response(page_headers));
    pages.route("/assets/{name}", get(assets::file))
}

/// Pages carry secrets (CSRF tokens, user lists): never cached, never framed, no inline script
/// (the inbox's own script file only, and its websocket and fetches to this origin).
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
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    for (name, value) in set {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}
