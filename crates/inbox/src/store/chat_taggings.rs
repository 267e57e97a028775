//! Tags on chats, and the history of who added or removed which tag and when.
//!
//! Every change writes its history row in the same transaction, so the history is never missing
//! a change and never names one that did not happen.

use super::tags::{prefixed_tag_from_row, tag_from_row};
use super::users::prefixed_user_from_row;
use super::Store;
use crate::clock::{self, UnixSeconds};
use crate::domain::{Tag, TagId, User, WaId};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::HashMap;

/// A tag on a chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tagging {
    pub id: i64,
    pub wa_id: String,
    pub tag: Tag,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaggingAction {
    Added,
    Removed,
}

impl TaggingAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
        }
    }
}

/// One line of a chat's tagging history. The tag is as it was then: it may be renamed or
/// deleted since.
#[derive(Clone, Debug)]
pub struct TaggingEvent {
    pub id: i64,
    pub wa_id: String,
    pub tag: Tag,
    pub action: TaggingAction,
    pub done_by: Option<User>,
    pub timestamp: UnixSeconds,
    /// The tagging this event added or removed; known when the event was just made.
    pub tagging_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum TaggingError {
    #[error("Not found.")]
    NoSuchChat,
    #[error("Invalid pk - object does not exist.")]
    NoSuchTag,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for TaggingError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// What a tagging request did: a new tagging (with its history row), or the one already there.
#[derive(Debug)]
pub enum TagOutcome {
    Added(Tagging, TaggingEvent),
    AlreadyTagged(Tagging),
}

/// Which part of a chat's history to list.
#[derive(Debug, Default)]
pub struct TaggingEventFilter {
    pub since: Option<UnixSeconds>,
    pub before: Option<UnixSeconds>,
}

const TAGGING_SELECT: &str = "SELECT ct.id AS ct_id, ct.wa_id AS ct_wa_id, \
     t.id AS t_id, t.name AS t_name, t.web_inbox_color AS t_web_inbox_color \
     FROM chat_taggings ct JOIN tags t ON t.id = ct.tag_id";

const EVENT_SELECT: &str = "SELECT e.id, e.wa_id, e.tag_id AS t_id, e.tag_name AS t_name, \
     e.tag_color AS t_web_inbox_color, e.action, \
     e.timestamp, u.id AS u_id, u.username AS u_username, u.email AS u_email, u.role AS u_role, \
     u.date_joined AS u_date_joined, u.is_available AS u_is_available \
     FROM chat_tagging_events e LEFT JOIN users u ON u.id = e.done_by";

impl Store {
    /// Puts a tag on a chat, once: tagging it again answers the tagging already there.
    pub async fn tag_chat(
        &self,
        wa_id: &WaId,
        tag_id: TagId,
        by: &User,
    ) -> Result<TagOutcome, TaggingError> {
        let mut tx = self.pool.begin().await?;
        let chat: Option<String> = sqlx::query_scalar("SELECT wa_id FROM chats WHERE wa_id = ?")
            .bind(wa_id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if chat.is_none() {
            return Err(TaggingError::NoSuchChat);
        }
        let tag = sqlx::query("SELECT id, name, web_inbox_color FROM tags WHERE id = ?")
            .bind(tag_id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let tag = tag_from_row(&tag.ok_or(TaggingError::NoSuchTag)?)?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM chat_taggings WHERE wa_id = ? AND tag_id = ?")
                .bind(wa_id.as_str())
                .bind(tag.id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let tagging = |id| Tagging {
            id,
            wa_id: wa_id.as_str().to_owned(),
            tag: tag.clone(),
        };
        if let Some(id) = existing {
            return Ok(TagOutcome::AlreadyTagged(tagging(id)));
        }
        let now = clock::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO chat_taggings (wa_id, tag_id, done_by, created_at) VALUES (?, ?, ?, ?)
             RETURNING id",
        )
        .bind(wa_id.as_str())
        .bind(tag.id.0)
        .bind(by.id.0)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let added = tagging(id);
        let event = record(&mut tx, &added, TaggingAction::Added, by, now).await?;
        tx.commit().await?;
        Ok(TagOutcome::Added(added, event))
    }

    pub async fn tagging(&self, id: i64) -> anyhow::Result<Option<Tagging>> {
        let row = sqlx::query(&format!("{TAGGING_SELECT} WHERE ct.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(tagging_from_row).transpose()
    }

    /// Takes a tag off a chat; `None` if there is no such tagging (any more).
    pub async fn remove_tagging(&self, id: i64, by: &User) -> anyhow::Result<Option<TaggingEvent>> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!("{TAGGING_SELECT} WHERE ct.id = ?"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(tagging) = row.as_ref().map(tagging_from_row).transpose()? else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM chat_taggings WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let event = record(&mut tx, &tagging, TaggingAction::Removed, by, clock::now()).await?;
        tx.commit().await?;
        Ok(Some(event))
    }

    /// Deletes a tag, taking it off every chat first, each removal in that chat's history.
    /// `None` if there is no such tag.
    pub async fn delete_tag(
        &self,
        id: TagId,
        by: &User,
    ) -> anyhow::Result<Option<Vec<TaggingEvent>>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(&format!(
            "{TAGGING_SELECT} WHERE ct.tag_id = ? ORDER BY ct.id"
        ))
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        let now = clock::now();
        let mut removals = Vec::with_capacity(rows.len());
        for row in &rows {
            let tagging = tagging_from_row(row)?;
            removals.push(record(&mut tx, &tagging, TaggingAction::Removed, by, now).await?);
        }
        // The chats' taggings go with the tag (ON DELETE CASCADE).
        let deleted = sqlx::query("DELETE FROM tags WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(removals))
    }

    /// A chat's tagging history, newest first, and how many events match in all.
    pub async fn tagging_events(
        &self,
        wa_id: &WaId,
        filter: &TaggingEventFilter,
        limit: u32,
        offset: u32,
    ) -> anyhow::Result<(u32, Vec<TaggingEvent>)> {
        let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM chat_tagging_events e");
        push_event_filter(&mut count, wa_id, filter);
        let total: u32 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut page = QueryBuilder::<Sqlite>::new(EVENT_SELECT);
        push_event_filter(&mut page, wa_id, filter);
        page.push(" ORDER BY e.timestamp DESC, e.id DESC LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = page.build().fetch_all(&self.pool).await?;
        let events = rows
            .iter()
            .map(event_from_row)
            .collect::<anyhow::Result<_>>()?;
        Ok((total, events))
    }

    /// The tags of each of these chats, oldest tagging first, in one query.
    pub async fn tags_of_chats(
        &self,
        wa_ids: &[&str],
    ) -> anyhow::Result<HashMap<String, Vec<Tagging>>> {
        let mut by_chat: HashMap<String, Vec<Tagging>> = HashMap::new();
        if wa_ids.is_empty() {
            return Ok(by_chat);
        }
        let mut query = QueryBuilder::<Sqlite>::new(TAGGING_SELECT);
        query.push(" WHERE ct.wa_id IN (");
        let mut ids = query.separated(", ");
        for wa_id in wa_ids {
            ids.push_bind(*wa_id);
        }
        query.push(") ORDER BY ct.id");
        for row in query.build().fetch_all(&self.pool).await? {
            let tagging = tagging_from_row(&row)?;
            by_chat
                .entry(tagging.wa_id.clone())
                .or_default()
                .push(tagging);
        }
        Ok(by_chat)
    }
}

async fn record(
    conn: &mut SqliteConnection,
    tagging: &Tagging,
    action: TaggingAction,
    by: &User,
    at: UnixSeconds,
) -> anyhow::Result<TaggingEvent> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO chat_tagging_events (wa_id, tag_id, tag_name, tag_color, action, done_by, timestamp)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&tagging.wa_id)
    .bind(tagging.tag.id.0)
    .bind(tagging.tag.name.as_str())
    .bind(tagging.tag.color.as_str())
    .bind(action.as_str())
    .bind(by.id.0)
    .bind(at)
    .fetch_one(conn)
    .await?;
    Ok(TaggingEvent {
        id,
        wa_id: tagging.wa_id.clone(),
        tag: tagging.tag.clone(),
        action,
        done_by: Some(by.clone()),
        timestamp: at,
        tagging_id: Some(tagging.id),
    })
}

fn push_event_filter(
    query: &mut QueryBuilder<'_, Sqlite>,
    wa_id: &WaId,
    filter: &TaggingEventFilter,
) {
    query
        .push(" WHERE e.wa_id = ")
        .push_bind(wa_id.as_str().to_owned());
    if let Some(since) = filter.since {
        query.push(" AND e.timestamp >= ").push_bind(since);
    }
    if let Some(before) = filter.before {
        query.push(" AND e.timestamp < ").push_bind(before);
    }
}

fn tagging_from_row(row: &SqliteRow) -> anyhow::Result<Tagging> {
    Ok(Tagging {
        id: row.get("ct_id"),
        wa_id: row.get("ct_wa_id"),
        tag: prefixed_tag_from_row(row, "t_")?,
    })
}

fn event_from_row(row: &SqliteRow) -> anyhow::Result<TaggingEvent> {
    let action: String = row.get("action");
    let done_by = match row.get::<Option<i64>, _>("u_id") {
        Some(_) => Some(prefixed_user_from_row(row, "u_")?),
        None => None,
    };
    Ok(TaggingEvent {
        id: row.get("id"),
        wa_id: row.get("wa_id"),
        tag: prefixed_tag_from_row(row, "t_")?,
        action: match action.as_str() {
            "added" => TaggingAction::Added,
            _ => TaggingAction::Removed,
        },
        done_by,
        timestamp: row.get("timestamp"),
        tagging_id: None,
    })
}
