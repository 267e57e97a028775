//! Media uploaded to an emulated channel, or sent by its simulated customers. The bytes are kept
//! as base64 text, the one type both backends store alike through the `Any` driver.

use crate::crypto::sha256_hex;
use crate::domain::Timestamp;
use crate::store::Db;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaInfo {
    pub id: String,
    pub mime_type: String,
    pub sha256: String,
    pub file_size: i64,
}

/// Keeps the bytes under a new numeric id, as the Cloud API's media ids are.
pub async fn store(
    db: &Db,
    channel_id: &str,
    mime_type: &str,
    bytes: &[u8],
) -> anyhow::Result<MediaInfo> {
    let number = rand::Rng::gen_range(&mut rand::thread_rng(), 10u64.pow(15)..10u64.pow(16));
    let info = MediaInfo {
        id: number.to_string(),
        mime_type: mime_type.to_owned(),
        sha256: sha256_hex(bytes),
        file_size: i64::try_from(bytes.len())?,
    };
    sqlx::query(
        "INSERT INTO sandbox_d360_media (id, channel_id, mime_type, sha256, file_size, data_base64, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&info.id)
    .bind(channel_id)
    .bind(&info.mime_type)
    .bind(&info.sha256)
    .bind(info.file_size)
    .bind(STANDARD.encode(bytes))
    .bind(Timestamp::now().millis())
    .execute(db.pool())
    .await?;
    Ok(info)
}

/// The media's description, if it belongs to the channel.
pub async fn info(db: &Db, channel_id: &str, id: &str) -> anyhow::Result<Option<MediaInfo>> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT mime_type, sha256, file_size FROM sandbox_d360_media WHERE id = $1 AND channel_id = $2",
    )
    .bind(id)
    .bind(channel_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|(mime_type, sha256, file_size)| MediaInfo {
        id: id.to_owned(),
        mime_type,
        sha256,
        file_size,
    }))
}

/// The media's type and bytes, if it belongs to the channel.
pub async fn bytes(
    db: &Db,
    channel_id: &str,
    id: &str,
) -> anyhow::Result<Option<(String, Vec<u8>)>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT mime_type, data_base64 FROM sandbox_d360_media WHERE id = $1 AND channel_id = $2",
    )
    .bind(id)
    .bind(channel_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|(mime_type, data)| Ok((mime_type, STANDARD.decode(data)?)))
        .transpose()
}
