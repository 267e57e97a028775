//! Media of the messaging API: upload (`POST /media`), description (`GET /{media_id}`) and
//! download (`GET /whatsapp_business/attachments/?mid=`), each for the key's channel only.

use super::access::{unless_outage, KeyChannel};
use super::refusal::Refusal;
use super::Emulator;
use crate::domain::PartnerId;
use crate::sandbox;
use crate::store::sandbox_d360::media::{self, MediaInfo};
use crate::store::{partners, Db};
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// The Cloud API's limit for the largest media kind (documents take 100 MB; the sandbox does not).
pub const MAX_MEDIA_BYTES: usize = 16 * 1024 * 1024;

pub(super) fn routes() -> Router<Emulator> {
    Router::new()
        .route(
            "/media",
            // Room for the multipart framing and the other parts around the file.
            post(upload).layer(DefaultBodyLimit::max(MAX_MEDIA_BYTES + 64 * 1024)),
        )
        .route("/whatsapp_business/attachments/", get(download))
        .route("/{media_id}", get(describe))
}

pub fn too_large() -> Refusal {
    Refusal::Invalid(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The file is larger than {MAX_MEDIA_BYTES} bytes."),
    )
}

fn unreadable(err: MultipartError) -> Refusal {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large();
    }
    Refusal::invalid(format!(
        "The multipart body is not readable: {}",
        err.body_text()
    ))
}

async fn upload(
    State(emulator): State<Emulator>,
    KeyChannel(channel): KeyChannel,
    mut multipart: Multipart,
) -> Result<Json<Value>, Refusal> {
    unless_outage(emulator.db(), &channel).await?;
    let mut file = None;
    let mut product = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("file") => {
                let mime = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                file = Some((mime, field.bytes().await.map_err(unreadable)?));
            }
            Some("messaging_product") => product = Some(field.text().await.map_err(unreadable)?),
            _ => {}
        }
    }
    if product.as_deref() != Some("whatsapp") {
        return Err(Refusal::invalid(
            "The parameter messaging_product is required and must be \"whatsapp\".",
        ));
    }
    let (mime, bytes) = file.ok_or_else(|| Refusal::invalid("The parameter file is required."))?;
    if bytes.len() > MAX_MEDIA_BYTES {
        return Err(too_large());
    }
    let info = media::store(emulator.db(), &channel, &mime, &bytes).await?;
    Ok(Json(json!({"id": info.id})))
}

fn unknown_media(id: &str) -> Refusal {
    Refusal::Invalid(
        StatusCode::NOT_FOUND,
        format!("Media {id} does not exist for this number."),
    )
}

/// Where media is downloaded: under the messaging URL the sandbox partner was given.
async fn download_url(db: &Db, id: &str) -> anyhow::Result<String> {
    let partner = PartnerId::parse(sandbox::PARTNER_ID).map_err(anyhow::Error::msg)?;
    let messaging_url = partners::get(db, &partner)
        .await?
        .and_then(|p| p.hub)
        .map(|hub| hub.messaging_url)
        .ok_or_else(|| anyhow::anyhow!("the sandbox partner has no messaging URL"))?;
    Ok(format!(
        "{}/whatsapp_business/attachments/?mid={id}",
        messaging_url.trim_end_matches('/')
    ))
}

async fn describe(
    State(emulator): State<Emulator>,
    KeyChannel(channel): KeyChannel,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let MediaInfo {
        id,
        mime_type,
        sha256,
        file_size,
    } = media::info(emulator.db(), &channel, &id)
        .await?
        .ok_or_else(|| unknown_media(&id))?;
    Ok(Json(json!({
        "messaging_product": "whatsapp",
        "url": download_url(emulator.db(), &id).await?,
        "mime_type": mime_type,
        "sha256": sha256,
        "file_size": file_size,
        "id": id,
    })))
}

#[derive(Deserialize)]
struct DownloadQuery {
    mid: String,
}

async fn download(
    State(emulator): State<Emulator>,
    KeyChannel(channel): KeyChannel,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, Refusal> {
    let (mime, bytes) = media::bytes(emulator.db(), &channel, &query.mid)
        .await?
        .ok_or_else(|| unknown_media(&query.mid))?;
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}
