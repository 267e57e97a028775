//! Canned answers the team shares.

use super::Store;
use crate::clock::UnixSeconds;
use crate::domain::UserId;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedResponse {
    pub id: i64,
    pub text: String,
    /// `None` once its author is deleted.
    pub created_by: Option<UserId>,
    pub created_at: UnixSeconds,
}

const COLUMNS: &str = "id, text, created_by, created_at";

impl Store {
    /// One page of saved responses, oldest first, and how many there are.
    pub async fn saved_responses_page(
        &self,
        limit: u32,
        offset: u32,
    ) -> anyhow::Result<(u32, Vec<SavedResponse>)> {
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM saved_responses")
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM saved_responses ORDER BY id LIMIT ? OFFSET ?"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok((count, rows.iter().map(saved_response_from_row).collect()))
    }

    pub async fn saved_response(&self, id: i64) -> anyhow::Result<Option<SavedResponse>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM saved_responses WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(saved_response_from_row))
    }

    pub async fn add_saved_response(
        &self,
        text: &str,
        created_by: UserId,
        now: UnixSeconds,
    ) -> anyhow::Result<SavedResponse> {
        let row = sqlx::query(&format!(
            "INSERT INTO saved_responses (text, created_by, created_at) VALUES (?, ?, ?)
             RETURNING {COLUMNS}"
        ))
        .bind(text)
        .bind(created_by.0)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(saved_response_from_row(&row))
    }

    /// False if there was none with that id.
    pub async fn delete_saved_response(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM saved_responses WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn saved_response_from_row(row: &SqliteRow) -> SavedResponse {
    SavedResponse {
        id: row.get("id"),
        text: row.get("text"),
        created_by: row.get::<Option<i64>, _>("created_by").map(UserId),
        created_at: row.get("created_at"),
    }
}
