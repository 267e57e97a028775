//! `media/`: files uploaded to be sent, and the bytes of every file sent or received.

use super::error::ApiError;
use super::extract::Agent;
use crate::clock;
use crate::domain::FieldErrors;
use crate::messaging::media_kind::MediaKind;
use crate::messaging::served_media::{serve, Served};
use crate::secret::random_hex;
use crate::state::AppState;
use crate::store::MediaRecord;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The largest upload: WhatsApp's limit for video and audio. (Documents may be larger on
/// WhatsApp; this instance keeps them to this size.)
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;
/// get.chat's front-end sends the file in this field; `file` is taken too.
const FILE_FIELDS: &[&str] = &["file_encoded", "file"];

pub async fn upload(
    State(state): State<AppState>,
    _agent: Agent,
    mut form: Multipart,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        if !field.name().is_some_and(|n| FILE_FIELDS.contains(&n)) {
            continue;
        }
        let file_name = field
            .file_name()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>();
        let mime_type = field.content_type().unwrap_or("").to_ascii_lowercase();
        let kind = MediaKind::of_mime(&mime_type).ok_or_else(|| {
            refused(format!(
                "WhatsApp does not accept files of type \"{mime_type}\"."
            ))
        })?;
        let bytes = field.bytes().await.map_err(multipart_error)?;
        if bytes.len() as u64 > kind.max_bytes() {
            return Err(ApiError::TooLarge(format!(
                "WhatsApp accepts {} files of at most {} bytes.",
                kind.as_str(),
                kind.max_bytes()
            )));
        }
        let record = MediaRecord {
            id: format!("up_{}", random_hex(16)),
            mime_type: mime_type.split(';').next().unwrap_or("").trim().to_owned(),
            file_name,
            size: Some(bytes.len() as i64),
            sha256: Some(hex::encode(Sha256::digest(&bytes))),
            stored: true,
            d360_media_id: None,
        };
        state.messaging.media.write(&record.id, &bytes).await?;
        state.store.add_upload(&record, clock::now()).await?;
        let file = format!(
            "{}/api/v1/media/{}",
            state.identity.public_origin, record.id
        );
        return Ok((
            StatusCode::CREATED,
            Json(json!({"id": record.id, "file": file})),
        ));
    }
    Err(refused(
        "A file is required in the field \"file_encoded\".".into(),
    ))
}

/// The bytes, with their type. Received files not kept yet are fetched from 360Dialog now.
pub async fn download(
    State(state): State<AppState>,
    _agent: Agent,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match serve(&state, &id).await? {
        Served::File(response) => Ok(response),
        Served::NotFound => Err(ApiError::NotFound),
        Served::Unavailable => Err(ApiError::Upstream(
            "The file could not be fetched from 360Dialog yet; try again.",
        )),
    }
}

fn refused(message: String) -> ApiError {
    let mut errors = FieldErrors::default();
    errors.add("file_encoded", message);
    ApiError::Invalid(errors)
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge(format!("A file may have at most {MAX_UPLOAD_BYTES} bytes."))
    } else {
        ApiError::MalformedBody(e.body_text())
    }
}
