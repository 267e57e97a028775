//! What the admin panel shows.

use super::error::WebError;
use super::layout::{csrf_field, notice, page, post_button, seat_meter, Tone};
use super::session::WebSession;
use crate::domain::{FieldErrors, Role, User, MIN_PASSWORD_CHARS};
use crate::state::AppState;
use maud::{html, Markup};

/// Everything the panel shows; `load` fills it, a handler may add a notice or a refused draft.
pub struct PanelView {
    pub me: User,
    pub csrf_token: String,
    pub instance_id: String,
    pub public_origin: String,
    pub users: Vec<User>,
    pub seats_in_use: u32,
    pub seat_limit: u32,
    pub notice: Option<(Tone, String)>,
    pub draft: Draft,
    pub field_errors: FieldErrors,
}

/// The add-user form as it was sent, to show it again after a refusal (never the password).
#[derive(Default)]
pub struct Draft {
    pub username: String,
    pub email: String,
    pub role: String,
}

/// An instance has a handful of users: the panel lists them all on one page.
const LISTED_USERS: u32 = 1000;

impl PanelView {
    pub async fn load(state: &AppState, session: &WebSession) -> Result<Self, WebError> {
        let (_, users) = state.store.users_page(LISTED_USERS, 0).await?;
        Ok(Self {
            me: session.user.clone(),
            csrf_token: session.csrf_token(state),
            instance_id: state.identity.instance_id.clone(),
            public_origin: state.identity.public_origin.clone(),
            users,
            seats_in_use: state.store.seats_in_use().await?,
            seat_limit: state
                .store
                .platform_settings()
                .await?
                .max_number_of_seats
                .get(),
            notice: None,
            draft: Draft::default(),
            field_errors: FieldErrors::default(),
        })
    }
}

pub fn panel_page(view: &PanelView) -> Markup {
    page(
        "Admin panel",
        "Admin panel",
        admin_menu(&view.me, &view.csrf_token),
        html! {
                @if let Some((tone, text)) = &view.notice { (notice(*tone, text)) }
            section.card.instance {
                div {
                    h2 { "Instance" }
                    dl.facts {
                        dt { "Instance ID" } dd { (view.instance_id) }
                        dt { "Address" } dd { (view.public_origin) }
                    }
                }
                div {
                    h2 { "Seats" }
                    (seat_meter(view.seats_in_use, view.seat_limit))
                }
            }
            div.columns {
                (users_card(view))
                (add_user_card(view))
            }
        },
    )
}

/// The admin area's menu: its pages, the web inbox, sign-out.
pub fn admin_menu(me: &User, csrf_token: &str) -> Markup {
    html! {
        span.who { "Signed in as " strong { (me.username.as_str()) } }
        details.menu {
            summary aria-label="Menu" title="Menu" { "…" }
            div.menu-items {
                a href="/admin/" { "Users" }
                a href="/admin/tags" { "Tags" }
                a href="/admin/groups" { "Groups" }
                a href="/admin/settings" { "Team settings" }
                a href="/inbox/" { "Go to Web Inbox" }
                (post_button("/admin/logout", csrf_token, "Sign out", "menu-item"))
            }
        }
    }
}

fn add_user_card(view: &PanelView) -> Markup {
    let full = view.seats_in_use >= view.seat_limit;
    let error = |field| {
        view.field_errors
            .first(field)
            .map(|m| notice(Tone::Error, m))
    };
    let role = if view.draft.role.is_empty() {
        "agent"
    } else {
        view.draft.role.as_str()
    };
    html! {
        section.card {
            h2 { "Add a user" }
            @if full {
                (notice(Tone::Info, &format!("All {} seats are in use. Remove a user to add another one.", view.seat_limit)))
            }
            form.stack method="post" action="/admin/users" {
                (csrf_field(&view.csrf_token))
                label { "Username" input name="username" autocomplete="off" required value=(view.draft.username); }
                @if let Some(e) = error("username") { (e) }
                label { "E-mail" span.hint { "Optional." } input type="email" name="email" autocomplete="off" value=(view.draft.email); }
                @if let Some(e) = error("email") { (e) }
                label {
                    "Password" span.hint { "At least " (MIN_PASSWORD_CHARS) " characters." }
                    input type="password" name="password" autocomplete="new-password" required minlength=(MIN_PASSWORD_CHARS);
                }
                @if let Some(e) = error("password") { (e) }
                label {
                    "Role"
                    select name="role" {
                        option value="agent" selected[role == "agent"] { "Agent" }
                        option value="admin" selected[role == "admin"] { "Admin" }
                    }
                }
                @if let Some(e) = error("role") { (e) }
                button type="submit" { "Add user" }
            }
        }
    }
}

fn users_card(view: &PanelView) -> Markup {
    html! {
        section.card {
            h2 { "Users" }
            table {
                thead { tr { th { "Username" } th.optional { "E-mail" } th { "Role" } th {} } }
                tbody {
                    @for user in &view.users {
                        tr {
                            td { (user.username.as_str()) @if user.id == view.me.id { " " span.muted { "(you)" } } }
                            td.optional { (user.email) }
                            td { span class=(format!("role {}", user.role.as_str())) { (role_label(user.role)) } }
                            td {
                                @if user.id != view.me.id && user.role != Role::Configurator {
                                    (post_button(&format!("/admin/users/{}/delete", user.id.0), &view.csrf_token, "Remove", "quiet"))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Admin",
        Role::Agent => "Agent",
        Role::Configurator => "Configurator (API only)",
    }
}
