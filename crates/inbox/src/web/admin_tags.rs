//! The admin panel's tags page: list, add (name and colour), rename or recolour, delete.

use super::admin_view::admin_menu;
use super::error::WebError;
use super::layout::{csrf_field, notice, page, post_button, Tone};
use super::login::CsrfOnly;
use super::session::{AdminSession, WebSession};
use crate::api::views;
use crate::domain::{FieldErrors, Tag, TagColor, TagId, TagName, MAX_TAG_NAME_CHARS};
use crate::state::AppState;
use crate::store::{TagChange, TagWriteError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::json;

/// A new tag's colour until the admin picks another.
const DEFAULT_COLOR: &str = "#128c7e";
/// An instance has a few dozen tags at most: one page lists them all.
const LISTED_TAGS: u32 = 1000;

#[derive(Deserialize)]
pub struct TagsQuery {
    done: Option<String>,
}

/// What the page says after a change; only these fixed texts can be shown.
fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "tag-added" => Some("The tag was added."),
        "tag-saved" => Some("The tag was saved."),
        "tag-deleted" => Some("The tag was deleted and taken off every chat."),
        _ => None,
    }
}

pub async fn list(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(query): Query<TagsQuery>,
) -> Result<Response, WebError> {
    let mut view = TagsView::load(&state, &session).await?;
    let done = query.done.as_deref().and_then(done_message);
    view.notice = done.map(|text| (Tone::Success, text.to_owned()));
    Ok(tags_page(&view).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TagForm {
    name: String,
    web_inbox_color: String,
    csrf_token: String,
}

pub async fn add(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Form(input): Form<TagForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let mut errors = FieldErrors::default();
    let name = errors.check("name", TagName::parse(&input.name));
    let color = errors.check("web_inbox_color", TagColor::parse(&input.web_inbox_color));
    let added = match (name, color) {
        (Some(name), Some(color)) => state.store.insert_tag(&name, &color).await,
        _ => return refused(&state, &session, input, errors).await,
    };
    match added {
        Ok(tag) => {
            tracing::info!(
                tag = tag.name.as_str(),
                by = session.user.username.as_str(),
                "tag added"
            );
            Ok(Redirect::to("/admin/tags?done=tag-added").into_response())
        }
        Err(TagWriteError::NameTaken) => {
            errors.add("name", TagWriteError::NameTaken.to_string());
            refused(&state, &session, input, errors).await
        }
        Err(TagWriteError::Internal(e)) => Err(e.into()),
    }
}

pub async fn save(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<i64>,
    Form(input): Form<TagForm>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let mut errors = FieldErrors::default();
    let change = TagChange {
        name: errors.check("name", TagName::parse(&input.name)),
        color: errors.check("web_inbox_color", TagColor::parse(&input.web_inbox_color)),
    };
    if !errors.is_empty() {
        return not_saved(&state, &session, &errors).await;
    }
    match state.store.update_tag(TagId(id), &change).await {
        Ok(Some(_)) => Ok(Redirect::to("/admin/tags?done=tag-saved").into_response()),
        Ok(None) => Err(WebError::NotFound),
        Err(TagWriteError::NameTaken) => {
            errors.add("name", TagWriteError::NameTaken.to_string());
            not_saved(&state, &session, &errors).await
        }
        Err(TagWriteError::Internal(e)) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<i64>,
    Form(input): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    session.check_csrf(&state, &input.csrf_token)?;
    let removals = state.store.delete_tag(TagId(id), &session.user).await?;
    let removals = removals.ok_or(WebError::NotFound)?;
    // Every connected client hears of each chat the tag was taken off.
    for removal in &removals {
        let event = views::tagging_event(removal);
        state.push.getchat_webhook(json!({ "chat_tagging": event }));
    }
    tracing::info!(id, by = session.user.username.as_str(), "tag deleted");
    Ok(Redirect::to("/admin/tags?done=tag-deleted").into_response())
}

/// The page again with the add form as it was sent, saying what to fix.
async fn refused(
    state: &AppState,
    session: &WebSession,
    input: TagForm,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let mut view = TagsView::load(state, session).await?;
    view.notice = Some((
        Tone::Error,
        "The tag was not added: check the fields below.".into(),
    ));
    view.draft = (input.name, input.web_inbox_color);
    view.field_errors = errors;
    Ok((StatusCode::BAD_REQUEST, tags_page(&view)).into_response())
}

async fn not_saved(
    state: &AppState,
    session: &WebSession,
    errors: &FieldErrors,
) -> Result<Response, WebError> {
    let mut view = TagsView::load(state, session).await?;
    let reasons: Vec<&str> = errors.messages().collect();
    view.notice = Some((
        Tone::Error,
        format!("The tag was not saved: {}", reasons.join(" ")),
    ));
    Ok((StatusCode::BAD_REQUEST, tags_page(&view)).into_response())
}

struct TagsView {
    me: crate::domain::User,
    csrf_token: String,
    tags: Vec<Tag>,
    notice: Option<(Tone, String)>,
    /// The add form's name and colour as sent, after a refusal.
    draft: (String, String),
    field_errors: FieldErrors,
}

impl TagsView {
    async fn load(state: &AppState, session: &WebSession) -> Result<Self, WebError> {
        let (_, tags) = state.store.tags_page(LISTED_TAGS, 0).await?;
        Ok(Self {
            me: session.user.clone(),
            csrf_token: session.csrf_token(state),
            tags,
            notice: None,
            draft: (String::new(), String::new()),
            field_errors: FieldErrors::default(),
        })
    }
}

fn tags_page(view: &TagsView) -> Markup {
    page(
        "Tags",
        "Admin panel",
        admin_menu(&view.me, &view.csrf_token),
        html! {
            @if let Some((tone, text)) = &view.notice { (notice(*tone, text)) }
            div.columns {
                (tags_card(view))
                (add_tag_card(view))
            }
        },
    )
}

fn tags_card(view: &TagsView) -> Markup {
    html! {
        section.card {
            h2 { "Tags" }
            @if view.tags.is_empty() {
                p.muted { "No tags yet. Agents put tags on chats to sort them; add the first one here." }
            }
            ul.tags {
                @for tag in &view.tags {
                    li.tag-row {
                        form.tag-edit method="post" action=(format!("/admin/tags/{}", tag.id.0)) {
                            (csrf_field(&view.csrf_token))
                            (swatch(&tag.color))
                            input name="name" aria-label="Name" required maxlength=(MAX_TAG_NAME_CHARS) value=(tag.name.as_str());
                            input type="color" name="web_inbox_color" aria-label="Colour" value=(tag.color.as_rrggbb(DEFAULT_COLOR));
                            button.quiet.save type="submit" { "Save" }
                        }
                        (post_button(&format!("/admin/tags/{}/delete", tag.id.0), &view.csrf_token, "Delete", "quiet"))
                    }
                }
            }
            @if !view.tags.is_empty() {
                p.hint { "Deleting a tag takes it off every chat; each chat's history keeps a note of it." }
            }
        }
    }
}

fn add_tag_card(view: &TagsView) -> Markup {
    let error = |field| {
        view.field_errors
            .first(field)
            .map(|m| notice(Tone::Error, m))
    };
    let (name, color) = &view.draft;
    let color = TagColor::parse(color).unwrap_or_default();
    html! {
        section.card {
            h2 { "Add a tag" }
            form.stack method="post" action="/admin/tags" {
                (csrf_field(&view.csrf_token))
                label { "Name" span.hint { "At most " (MAX_TAG_NAME_CHARS) " characters." } input name="name" autocomplete="off" required maxlength=(MAX_TAG_NAME_CHARS) value=(name); }
                @if let Some(e) = error("name") { (e) }
                label { "Colour" input type="color" name="web_inbox_color" value=(color.as_rrggbb(DEFAULT_COLOR)); }
                @if let Some(e) = error("web_inbox_color") { (e) }
                button type="submit" { "Add tag" }
            }
        }
    }
}

/// A dot in the tag's colour. An SVG attribute, not a style: the pages allow no inline styles,
/// and the colour is a checked hex value.
fn swatch(color: &TagColor) -> Markup {
    html! {
        svg.swatch viewBox="0 0 16 16" aria-hidden="true" {
            @if color.is_none() {
                circle cx="8" cy="8" r="6.5" fill="none" stroke="#9aa5ab";
            } @else {
                circle cx="8" cy="8" r="7" fill=(color.as_str());
            }
        }
    }
}
