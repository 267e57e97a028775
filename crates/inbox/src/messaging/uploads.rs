//! Files uploaded to be sent: which ones are taken (WhatsApp's types, each kind's size), read from
//! a multipart field and kept until a message sends them. The API's `media/` and the web inbox's
//! attachments both come through here.

use super::media_kind::MediaKind;
use crate::clock;
use crate::secret::random_hex;
use crate::state::AppState;
use crate::store::MediaRecord;
use axum::extract::multipart::{Field, MultipartError};
use sha2::{Digest, Sha256};

/// The largest upload: WhatsApp's limit for video and audio. (Documents may be larger on
/// WhatsApp; this instance keeps them to this size.)
pub const MAX_UPLOAD_BYTES: u64 = 16 * 1024 * 1024;
pub use instance_contract::limits::MAX_REQUEST_BODY_BYTES as MAX_READ_BYTES;

/// The file of an upload, checked: its kind, type and bytes.
pub struct Upload {
    pub file_name: String,
    pub mime_type: String,
    pub kind: MediaKind,
    pub bytes: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UploadRefusal {
    #[error("WhatsApp does not accept files of type \"{0}\".")]
    UnsupportedType(String),
    #[error("This instance accepts {kind} files of at most {limit} bytes.")]
    TooLarge { kind: &'static str, limit: u64 },
}

/// Reads the file to its end; the outer error is a broken body, the inner one a refusal.
pub async fn read_field(
    mut field: Field<'_>,
) -> Result<Result<Upload, UploadRefusal>, MultipartError> {
    let file_name: String = field.file_name().unwrap_or("").chars().take(200).collect();
    let mime_type = field.content_type().unwrap_or("").to_ascii_lowercase();
    let mime_type = mime_type.split(';').next().unwrap_or("").trim().to_owned();
    let kind = MediaKind::of_mime(&mime_type);
    let limit = kind.map_or(0, |k| k.max_bytes().min(MAX_UPLOAD_BYTES));
    let mut bytes = Vec::new();
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await? {
        size += chunk.len() as u64;
        if size <= limit {
            bytes.extend_from_slice(&chunk);
        }
    }
    Ok(match kind {
        None => Err(UploadRefusal::UnsupportedType(mime_type)),
        Some(kind) if size > limit => Err(UploadRefusal::TooLarge {
            kind: kind.as_str(),
            limit,
        }),
        Some(kind) => Ok(Upload {
            file_name,
            mime_type,
            kind,
            bytes,
        }),
    })
}

/// Keeps the file (bytes on disk, its record in the store) under a new `up_…` id.
pub async fn keep(state: &AppState, upload: &Upload) -> anyhow::Result<MediaRecord> {
    let record = MediaRecord {
        id: format!("up_{}", random_hex(16)),
        mime_type: upload.mime_type.clone(),
        file_name: upload.file_name.clone(),
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
    Ok(record)
}
