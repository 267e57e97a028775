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
pub const MAX_UPLOAD_BYTES: u64 = 16 * 1024 * 1024;
/// A refused upload is still read to its end up to this size, so that its client gets the answer
/// (a server that stops reading mid-upload makes most clients report a broken connection).
pub const MAX_READ_BYTES: usize = 64 * 1024 * 1024;
/// get.chat's front-end sends the file in this field; `file` is taken too.
const FILE_FIELDS: &[&str] = &["file_encoded", "file"];

/// The file of an upload, checked: its type and its bytes.
struct Upload {
    file_name: String,
    mime_type: String,
    bytes: Vec<u8>,
}

pub async fn upload(
    State(state): State<AppState>,
    _agent: Agent,
    mut form: Multipart,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut upload: Option<Result<Upload, ApiError>> = None;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        let wanted = field.name().is_some_and(|n| FILE_FIELDS.contains(&n));
        if !wanted || upload.is_some() {
            while field.chunk().await.map_err(multipart_error)?.is_some() {}
            continue;
        }
        upload = Some(read_file(field).await?);
    }
    let upload = upload.unwrap_or_else(|| {
        Err(refused(
            "A file is required in the field \"file_encoded\".".into(),
        ))
    })?;
    let record = MediaRecord {
        id: format!("up_{}", random_hex(16)),
        mime_type: upload.mime_type,
        file_name: upload.file_name,
        size: Some(upload.bytes.len() as i64),
        sha256: Some(hex::encode(Sha256::digest(&upload.bytes))),
        stored: true,
        d360_media_id: None,
    };
    state
        .messaging
        .media
        .write(&record.id, &upload.bytes)
        .await?;
    state.store.add_upload(&record, clock::now()).await?;
    let file = format!(
        "{}/api/v1/media/{}",
        state.identity.public_origin, record.id
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": record.id, "file": file})),
    ))
}

/// Reads the file to its end; the outer error is a broken body, the inner one a refusal.
async fn read_file(
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<Result<Upload, ApiError>, ApiError> {
    let file_name: String = field.file_name().unwrap_or("").chars().take(200).collect();
    let mime_type = field.content_type().unwrap_or("").to_ascii_lowercase();
    let mime_type = mime_type.split(';').next().unwrap_or("").trim().to_owned();
    let kind = MediaKind::of_mime(&mime_type);
    let limit = kind.map_or(0, |k| k.max_bytes().min(MAX_UPLOAD_BYTES));
    let mut bytes = Vec::new();
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size += chunk.len() as u64;
        if size <= limit {
            bytes.extend_from_slice(&chunk);
        }
    }
    Ok(match kind {
        None => Err(refused(format!(
            "WhatsApp does not accept files of type \"{mime_type}\"."
        ))),
        Some(kind) if size > limit => Err(ApiError::TooLarge(format!(
            "This instance accepts {} files of at most {limit} bytes.",
            kind.as_str()
        ))),
        Some(_) => Ok(Upload {
            file_name,
            mime_type,
            bytes,
        }),
    })
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
        ApiError::TooLarge(format!(
            "An upload may have at most {MAX_READ_BYTES} bytes."
        ))
    } else {
        ApiError::MalformedBody(e.body_text())
    }
}
