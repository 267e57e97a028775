//! `media/`: files uploaded to be sent, and the bytes of every file sent or received.

use super::error::ApiError;
use super::extract::Agent;
use crate::domain::FieldErrors;
use crate::messaging::served_media::{serve, Served};
use crate::messaging::uploads::{keep, read_field, Upload, UploadRefusal};
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

pub use crate::messaging::uploads::MAX_READ_BYTES;
/// get.chat's front-end sends the file in this field; `file` is taken too.
const FILE_FIELDS: &[&str] = &["file_encoded", "file"];

pub async fn upload(
    State(state): State<AppState>,
    _agent: Agent,
    mut form: Multipart,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut upload: Option<Result<Upload, UploadRefusal>> = None;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        let wanted = field.name().is_some_and(|n| FILE_FIELDS.contains(&n));
        if !wanted || upload.is_some() {
            while field.chunk().await.map_err(multipart_error)?.is_some() {}
            continue;
        }
        upload = Some(read_field(field).await.map_err(multipart_error)?);
    }
    let upload = match upload {
        Some(Ok(upload)) => upload,
        Some(Err(refusal @ UploadRefusal::TooLarge { .. })) => {
            return Err(ApiError::TooLarge(refusal.to_string()))
        }
        Some(Err(refusal)) => return Err(refused(refusal.to_string())),
        None => {
            return Err(refused(
                "A file is required in the field \"file_encoded\".".into(),
            ))
        }
    };
    let record = keep(&state, &upload).await?;
    let file = format!(
        "{}/api/v1/media/{}",
        state.identity.public_origin, record.id
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": record.id, "file": file})),
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
        ApiError::TooLarge(format!(
            "An upload may have at most {MAX_READ_BYTES} bytes."
        ))
    } else {
        ApiError::MalformedBody(e.body_text())
    }
}
