//! Sending a file from the web inbox: the composer's attachment form (`multipart/form-data`) is
//! read and checked by the API's upload rules (`messaging::uploads`), kept like an upload to
//! `media/`, and sent as an image, video, audio, document or sticker by its type through the
//! same send path as the API's.

use super::chat_page::visible_chat;
use super::composer::Draft;
use super::error::WebError;
use super::inbox_send::{deliver, refused};
use super::list_query::ListQuery;
use super::session::InboxSession;
use crate::domain::outgoing::Outgoing;
use crate::messaging::uploads::{keep, read_field, Upload, UploadRefusal};
use crate::state::AppState;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use serde_json::{json, Value};

/// Longest caption kept, in characters (WhatsApp's limit for a media caption).
const MAX_CAPTION_CHARS: usize = 1024;
/// Longest value of the form's other fields that is read.
const MAX_FIELD_BYTES: usize = 16 * 1024;

/// What the form sent.
#[derive(Default)]
struct AttachForm {
    csrf_token: String,
    caption: String,
    /// `None`: no file was chosen.
    file: Option<Result<Upload, UploadRefusal>>,
}

pub async fn attach(
    State(state): State<AppState>,
    InboxSession(session): InboxSession,
    Path(wa_id): Path<String>,
    Query(query): Query<ListQuery>,
    form: Multipart,
) -> Result<Response, WebError> {
    let read = read_form(form).await;
    // A broken body may still have carried the token: without it nothing is answered but 403.
    let (form, broken) = match read {
        Ok(form) => (form, None),
        Err((form, e)) => (form, Some(e)),
    };
    session.check_csrf(&state, &form.csrf_token)?;
    let wa_id = visible_chat(&state, &session.user, &wa_id).await?;
    let view = query.view();
    let draft = Draft::default();
    let problem = match (broken, form.file) {
        (Some(e), _) => format!("The file could not be read: {}", e.body_text()),
        (None, None) => "Choose a file to send.".to_owned(),
        (None, Some(Err(refusal))) => refusal.to_string(),
        (None, Some(Ok(upload))) => {
            let media = keep(&state, &upload).await?;
            let request = media_request(wa_id.as_str(), &upload, &media.id, &form.caption);
            match Outgoing::parse(&request) {
                Ok(outgoing) => return deliver(&state, &session, &wa_id, &view, &outgoing).await,
                Err(errors) => errors.messages().collect::<Vec<_>>().join(" "),
            }
        }
    };
    refused(&state, &session, &wa_id, view, draft, problem).await
}

/// The message that sends the kept file: its kind by its type, the caption where WhatsApp takes
/// one, a document's file name.
fn media_request(wa_id: &str, upload: &Upload, media_id: &str, caption: &str) -> Value {
    let kind = upload.kind.as_str();
    let mut object = json!({"id": media_id});
    let caption: String = caption.trim().chars().take(MAX_CAPTION_CHARS).collect();
    if upload.kind.takes_caption() && !caption.is_empty() {
        object["caption"] = json!(caption);
    }
    if kind == "document" && !upload.file_name.is_empty() {
        object["filename"] = json!(upload.file_name);
    }
    json!({"wa_id": wa_id, "type": kind, kind: object})
}

/// Reads every field; the first file field is the file. A broken body answers what was read.
async fn read_form(mut form: Multipart) -> Result<AttachForm, (AttachForm, MultipartError)> {
    let mut read = AttachForm::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(read),
            Err(e) => return Err((read, e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let outcome = match name.as_str() {
            "file" if read.file.is_none() => {
                // A form sent without a chosen file has an empty part with no file name.
                if field.file_name().unwrap_or_default().is_empty() {
                    drain(field).await
                } else {
                    read_field(field).await.map(|file| read.file = Some(file))
                }
            }
            "csrf_token" => text(field).await.map(|t| read.csrf_token = t),
            "caption" => text(field).await.map(|t| read.caption = t),
            _ => drain(field).await,
        };
        if let Err(e) = outcome {
            return Err((read, e));
        }
    }
}

async fn text(mut field: axum::extract::multipart::Field<'_>) -> Result<String, MultipartError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        if bytes.len() < MAX_FIELD_BYTES {
            bytes.extend_from_slice(&chunk);
        }
    }
    bytes.truncate(MAX_FIELD_BYTES);
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

async fn drain(mut field: axum::extract::multipart::Field<'_>) -> Result<(), MultipartError> {
    while field.chunk().await?.is_some() {}
    Ok(())
}
