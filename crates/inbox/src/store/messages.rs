//! Messages both ways, as they are listed, searched and shown.

use super::search::fts_query;
use super::users::prefixed_user_from_row;
use super::visibility::ChatScope;
use super::Store;
use crate::domain::{User, WaId};
use anyhow::Context;
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

/// A stored message with what its API shape needs: the contact's name and the sender.
#[derive(Clone, Debug)]
pub struct MessageRecord {
    pub id: i64,
    pub wamid: Option<String>,
    pub wa_id: String,
    pub contact_name: String,
    pub contact_last_message_at: i64,
    pub from_us: bool,
    pub kind: String,
    pub timestamp: i64,
    pub waba_payload: Value,
    pub sender: Option<User>,
    pub received: bool,
    pub sent_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub read_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub errors: Option<Value>,
}

/// The columns `message_from_row` reads, over `messages m`, `chats c` and `users u`.
pub(crate) const MESSAGE_COLUMNS: &str = "m.id AS m_id, m.wamid, m.wa_id AS m_wa_id, \
     c.name AS c_name, c.last_message_at AS c_last_message_at, m.from_us, m.type, m.timestamp, \
     m.waba_payload, m.received, m.sent_at, m.delivered_at, m.read_at, m.failed_at, m.errors, \
     u.id AS u_id, u.username AS u_username, u.email AS u_email, u.role AS u_role, \
     u.date_joined AS u_date_joined, u.is_available AS u_is_available";

/// Which messages a list shows; every part is optional.
#[derive(Debug, Default)]
pub struct MessageFilter {
    pub wa_id: Option<WaId>,
    /// Unix seconds, inclusive.
    pub since: Option<i64>,
    /// Unix seconds, exclusive.
    pub before: Option<i64>,
    pub search: Option<String>,
    pub from_us: Option<bool>,
    /// Only messages of the chats the viewer may see.
    pub scope: ChatScope,
}

impl Store {
    /// One page of messages, newest first, and how many match in all.
    pub async fn messages_page(
        &self,
        filter: &MessageFilter,
        limit: u32,
        offset: u32,
    ) -> anyhow::Result<(u32, Vec<MessageRecord>)> {
        if let Some(fts) = filter.search_alone() {
            return self.search_page(&fts, limit, offset).await;
        }
        let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM messages m");
        push_message_filter(&mut count, filter);
        let total: u32 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut page = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN chats c ON c.wa_id = m.wa_id \
             LEFT JOIN users u ON u.id = m.sender_id"
        ));
        push_message_filter(&mut page, filter);
        page.push(" ORDER BY m.timestamp DESC, m.id DESC LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = page.build().fetch_all(&self.pool).await?;
        let messages = rows
            .iter()
            .filter_map(|row| message_from_row(row).transpose())
            .collect::<anyhow::Result<_>>()?;
        Ok((total, messages))
    }

    /// A search over every chat, answered from the search index alone: counted there, and paged
    /// newest first by id (the order messages were stored in), so a common word never sorts every
    /// message it is in.
    async fn search_page(
        &self,
        fts: &str,
        limit: u32,
        offset: u32,
    ) -> anyhow::Result<(u32, Vec<MessageRecord>)> {
        let total: u32 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM messages_search WHERE messages_search MATCH ?",
        )
        .bind(fts)
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM (SELECT rowid FROM messages_search
                 WHERE messages_search MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?) hit
             JOIN messages m ON m.id = hit.rowid JOIN chats c ON c.wa_id = m.wa_id
             LEFT JOIN users u ON u.id = m.sender_id ORDER BY m.id DESC"
        ))
        .bind(fts)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let messages = rows
            .iter()
            .filter_map(|row| message_from_row(row).transpose())
            .collect::<anyhow::Result<_>>()?;
        Ok((total, messages))
    }

    pub async fn message(&self, id: i64) -> anyhow::Result<Option<MessageRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN chats c ON c.wa_id = m.wa_id \
             LEFT JOIN users u ON u.id = m.sender_id WHERE m.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => message_from_row(&row)?,
            None => None,
        })
    }
}

impl MessageFilter {
    /// The search query when the search is the only filter.
    fn search_alone(&self) -> Option<String> {
        let alone = self.wa_id.is_none()
            && self.since.is_none()
            && self.before.is_none()
            && self.from_us.is_none()
            && self.scope == ChatScope::Every;
        alone
            .then(|| self.search.as_deref().and_then(fts_query))
            .flatten()
    }
}

fn push_message_filter(query: &mut QueryBuilder<'_, Sqlite>, filter: &MessageFilter) {
    query.push(" WHERE 1 = 1");
    if filter.scope != ChatScope::Every {
        query.push(" AND m.wa_id IN (SELECT c.wa_id FROM chats c WHERE 1 = 1");
        filter.scope.push_predicate(query);
        query.push(")");
    }
    if let Some(wa_id) = &filter.wa_id {
        query
            .push(" AND m.wa_id = ")
            .push_bind(wa_id.as_str().to_owned());
    }
    if let Some(since) = filter.since {
        query.push(" AND m.timestamp >= ").push_bind(since);
    }
    if let Some(before) = filter.before {
        query.push(" AND m.timestamp < ").push_bind(before);
    }
    if let Some(from_us) = filter.from_us {
        query.push(" AND m.from_us = ").push_bind(from_us);
    }
    if let Some(fts) = filter.search.as_deref().and_then(fts_query) {
        query
            .push(" AND m.id IN (SELECT rowid FROM messages_search WHERE messages_search MATCH ")
            .push_bind(fts)
            .push(")");
    }
}

/// `None` when the row has no message (a chat without one, through a left join).
pub(crate) fn message_from_row(row: &SqliteRow) -> anyhow::Result<Option<MessageRecord>> {
    let Some(id) = row.get::<Option<i64>, _>("m_id") else {
        return Ok(None);
    };
    let payload: String = row.get("waba_payload");
    let errors: Option<String> = row.get("errors");
    Ok(Some(MessageRecord {
        id,
        wamid: row.get("wamid"),
        wa_id: row.get("m_wa_id"),
        contact_name: row.get("c_name"),
        contact_last_message_at: row.get("c_last_message_at"),
        from_us: row.get("from_us"),
        kind: row.get("type"),
        timestamp: row.get("timestamp"),
        waba_payload: serde_json::from_str(&payload)
            .with_context(|| format!("the stored payload of message {id}"))?,
        sender: sender_from_row(row)?,
        received: row.get("received"),
        sent_at: row.get("sent_at"),
        delivered_at: row.get("delivered_at"),
        read_at: row.get("read_at"),
        failed_at: row.get("failed_at"),
        errors: errors
            .map(|e| serde_json::from_str(&e))
            .transpose()
            .with_context(|| format!("the stored errors of message {id}"))?,
    }))
}

fn sender_from_row(row: &SqliteRow) -> anyhow::Result<Option<User>> {
    match row.get::<Option<i64>, _>("u_id") {
        Some(_) => prefixed_user_from_row(row, "u_").map(Some),
        None => Ok(None),
    }
}
