//! Files sent and received: their records here, their bytes in `<data-dir>/media/`.

use super::Store;
use sqlx::Row;

#[derive(Clone, Debug)]
pub struct MediaRecord {
    pub id: String,
    pub mime_type: String,
    pub file_name: String,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    /// The bytes are on disk.
    pub stored: bool,
    /// 360Dialog's id of an upload that was sent.
    pub d360_media_id: Option<String>,
}

impl Store {
    pub async fn media(&self, id: &str) -> anyhow::Result<Option<MediaRecord>> {
        let row = sqlx::query(
            "SELECT id, mime_type, file_name, size, sha256, stored, d360_media_id
             FROM media WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| MediaRecord {
            id: row.get("id"),
            mime_type: row.get("mime_type"),
            file_name: row.get("file_name"),
            size: row.get("size"),
            sha256: row.get("sha256"),
            stored: row.get("stored"),
            d360_media_id: row.get("d360_media_id"),
        }))
    }

    /// An upload whose bytes are already on disk.
    pub async fn add_upload(&self, media: &MediaRecord, now: i64) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO media (id, mime_type, file_name, size, sha256, stored, created_at)
             VALUES (?, ?, ?, ?, ?, 1, ?)",
        )
        .bind(&media.id)
        .bind(&media.mime_type)
        .bind(&media.file_name)
        .bind(media.size)
        .bind(&media.sha256)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The bytes of received media are now on disk.
    pub async fn media_stored(
        &self,
        id: &str,
        size: i64,
        mime_type: &str,
        sha256: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE media SET stored = 1, size = ?, sha256 = ?,
                 mime_type = CASE WHEN mime_type = 'application/octet-stream' THEN ? ELSE mime_type END
             WHERE id = ?",
        )
        .bind(size)
        .bind(sha256)
        .bind(mime_type)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_d360_media_id(&self, id: &str, d360_media_id: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE media SET d360_media_id = ? WHERE id = ?")
            .bind(d360_media_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Received media whose bytes are not on disk yet (a fetch failed or was interrupted).
    pub async fn media_to_fetch(&self) -> anyhow::Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM media WHERE stored = 0 ORDER BY created_at LIMIT 100",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
