//! Tags: the team's labels for chats. Names are unique regardless of case (the table's NOCASE
//! covers ASCII; the check here covers every letter).

use super::Store;
use crate::clock;
use crate::domain::{Tag, TagColor, TagId, TagName};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

#[derive(Debug, thiserror::Error)]
pub enum TagWriteError {
    #[error("A tag with this name already exists.")]
    NameTaken,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for TagWriteError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// What a change of a tag sets; `None` keeps the stored value.
#[derive(Debug, Default)]
pub struct TagChange {
    pub name: Option<TagName>,
    pub color: Option<TagColor>,
}

const TAG_COLUMNS: &str = "id, name, web_inbox_color";

impl Store {
    /// One page of tags by name, and how many there are.
    pub async fn tags_page(&self, limit: u32, offset: u32) -> anyhow::Result<(u32, Vec<Tag>)> {
        let total: u32 = sqlx::query_scalar("SELECT COUNT(*) FROM tags")
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(&format!(
            "SELECT {TAG_COLUMNS} FROM tags ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let tags = rows
            .iter()
            .map(tag_from_row)
            .collect::<anyhow::Result<_>>()?;
        Ok((total, tags))
    }

    pub async fn tag(&self, id: TagId) -> anyhow::Result<Option<Tag>> {
        let row = sqlx::query(&format!("SELECT {TAG_COLUMNS} FROM tags WHERE id = ?"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(tag_from_row).transpose()
    }

    pub async fn insert_tag(&self, name: &TagName, color: &TagColor) -> Result<Tag, TagWriteError> {
        let mut tx = self.pool.begin().await?;
        refuse_taken_name(&mut tx, name, None).await?;
        let row = sqlx::query(&format!(
            "INSERT INTO tags (name, web_inbox_color, created_at) VALUES (?, ?, ?)
             RETURNING {TAG_COLUMNS}"
        ))
        .bind(name.as_str())
        .bind(color.as_str())
        .bind(clock::now())
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_name)?;
        tx.commit().await?;
        Ok(tag_from_row(&row)?)
    }

    /// Renames and/or recolours a tag; `None` if there is no such tag.
    pub async fn update_tag(
        &self,
        id: TagId,
        change: &TagChange,
    ) -> Result<Option<Tag>, TagWriteError> {
        let mut tx = self.pool.begin().await?;
        if let Some(name) = &change.name {
            refuse_taken_name(&mut tx, name, Some(id)).await?;
        }
        let row = sqlx::query(&format!(
            "UPDATE tags SET name = COALESCE(?, name), web_inbox_color = COALESCE(?, web_inbox_color)
             WHERE id = ? RETURNING {TAG_COLUMNS}"
        ))
        .bind(change.name.as_ref().map(TagName::as_str))
        .bind(change.color.as_ref().map(TagColor::as_str))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unique_name)?;
        tx.commit().await?;
        Ok(row.as_ref().map(tag_from_row).transpose()?)
    }
}

/// Another tag with the same name in any case is a conflict.
async fn refuse_taken_name(
    conn: &mut SqliteConnection,
    name: &TagName,
    except: Option<TagId>,
) -> Result<(), TagWriteError> {
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM tags WHERE id IS NOT ?")
        .bind(except.map(|id| id.0))
        .fetch_all(conn)
        .await?;
    if names.iter().any(|other| name.same_as(other)) {
        return Err(TagWriteError::NameTaken);
    }
    Ok(())
}

fn unique_name(e: sqlx::Error) -> TagWriteError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => TagWriteError::NameTaken,
        _ => e.into(),
    }
}

pub(crate) fn tag_from_row(row: &SqliteRow) -> anyhow::Result<Tag> {
    prefixed_tag_from_row(row, "")
}

/// A tag from columns named with a prefix (`t_id`, `t_name`, `t_web_inbox_color`) in a join.
pub(crate) fn prefixed_tag_from_row(row: &SqliteRow, prefix: &str) -> anyhow::Result<Tag> {
    let column = |name: &str| format!("{prefix}{name}");
    let name: String = row.get(column("name").as_str());
    let color: String = row.get(column("web_inbox_color").as_str());
    Ok(Tag {
        id: TagId(row.get(column("id").as_str())),
        name: TagName::parse(&name)
            .map_err(|e| anyhow::anyhow!("stored tag name {name:?}: {e}"))?,
        color: TagColor::parse(&color)
            .map_err(|e| anyhow::anyhow!("stored tag colour {color:?}: {e}"))?,
    })
}
