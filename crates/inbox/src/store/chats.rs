//! Chats: one per customer, with the person's name, the newest message and the unread count.

use super::chat_taggings::Tagging;
use super::groups::{Group, GroupId};
use super::messages::{message_from_row, MessageRecord, MESSAGE_COLUMNS};
use super::search::{fts_query, like_pattern};
use super::users::prefixed_user_from_row;
use super::visibility::ChatScope;
use super::Store;
use crate::domain::{TagId, User, UserId, WaId};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

#[derive(Clone, Debug)]
pub struct ChatRecord {
    pub wa_id: String,
    pub name: String,
    pub last_message_at: i64,
    /// When the customer last wrote: WhatsApp's 24-hour window runs from it.
    pub last_inbound_at: Option<i64>,
    pub new_messages: i64,
    pub last_message: Option<MessageRecord>,
    /// When the chat was resolved; `None` while it is open.
    pub resolved_at: Option<i64>,
    pub assigned_user: Option<User>,
    pub assigned_group: Option<Group>,
    /// The chat's tags, oldest tagging first.
    pub tags: Vec<Tagging>,
}

#[derive(Debug, Default)]
pub struct ChatFilter {
    /// Matches the person's name, the number, or the text of any message.
    pub search: Option<String>,
    /// Only chats with messages not yet marked as received.
    pub unread: bool,
    /// Only the chats this user may see (`Store::chat_visible_to`); `None`: every chat.
    pub viewer: Option<User>,
    /// Only chats assigned to this user.
    pub assigned_user: Option<UserId>,
    /// Only chats assigned to this group.
    pub assigned_group: Option<GroupId>,
    /// Only chats with this tag (`chat_tag_id`).
    pub tag: Option<TagId>,
    /// Only chats assigned to no user and no group.
    pub unassigned: bool,
}

const CHAT_SELECT: &str = "SELECT c.wa_id, c.name, c.last_message_at, c.last_inbound_at, \
     c.new_messages, c.resolved_at, {MESSAGE_COLUMNS}, {ASSIGNEE_COLUMNS} FROM chats c \
     LEFT JOIN messages m ON m.id = c.last_message_id LEFT JOIN users u ON u.id = m.sender_id \
     LEFT JOIN users au ON au.id = c.assigned_user_id \
     LEFT JOIN agent_groups ag ON ag.id = c.assigned_group_id";

const ASSIGNEE_COLUMNS: &str = "au.id AS au_id, au.username AS au_username, \
     au.email AS au_email, au.role AS au_role, au.date_joined AS au_date_joined, \
     au.is_available AS au_is_available, \
     ag.id AS ag_id, ag.name AS ag_name";

impl Store {
    /// One page of chats, the most recent first, and how many match in all.
    pub async fn chats_page(
        &self,
        filter: &ChatFilter,
        limit: u32,
        offset: u32,
    ) -> anyhow::Result<(u32, Vec<ChatRecord>)> {
        let scope = match &filter.viewer {
            Some(viewer) => self.chat_scope_of(viewer).await?,
            None => ChatScope::Every,
        };
        let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM chats c");
        push_chat_filter(&mut count, filter);
        scope.push_predicate(&mut count);
        let total: u32 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut page = QueryBuilder::<Sqlite>::new(chat_select());
        push_chat_filter(&mut page, filter);
        scope.push_predicate(&mut page);
        page.push(" ORDER BY c.last_message_at DESC, c.wa_id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = page.build().fetch_all(&self.pool).await?;
        let mut chats = rows
            .iter()
            .map(chat_from_row)
            .collect::<anyhow::Result<Vec<_>>>()?;
        self.attach_tags(&mut chats).await?;
        Ok((total, chats))
    }

    pub async fn chat(&self, wa_id: &WaId) -> anyhow::Result<Option<ChatRecord>> {
        let row = sqlx::query(&format!("{} WHERE c.wa_id = ?", chat_select()))
            .bind(wa_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut chat = [chat_from_row(&row)?];
        self.attach_tags(&mut chat).await?;
        let [chat] = chat;
        Ok(Some(chat))
    }

    /// Fills in the tags of these chats, with one query for all of them.
    async fn attach_tags(&self, chats: &mut [ChatRecord]) -> anyhow::Result<()> {
        let wa_ids: Vec<&str> = chats.iter().map(|c| c.wa_id.as_str()).collect();
        let mut tags = self.tags_of_chats(&wa_ids).await?;
        for chat in chats {
            chat.tags = tags.remove(&chat.wa_id).unwrap_or_default();
        }
        Ok(())
    }

    /// Marks the customer's messages up to `until` (Unix seconds) as received by the team; the
    /// chat's unread count is what remains after it. False if there is no such chat.
    pub async fn mark_as_received(&self, wa_id: &WaId, until: i64) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE messages SET received = 1
             WHERE wa_id = ? AND from_us = 0 AND received = 0 AND timestamp <= ?",
        )
        .bind(wa_id.as_str())
        .bind(until)
        .execute(&mut *tx)
        .await?;
        let updated = sqlx::query(
            "UPDATE chats SET new_messages = (SELECT COUNT(*) FROM messages
                 WHERE messages.wa_id = chats.wa_id AND from_us = 0 AND received = 0)
             WHERE wa_id = ?",
        )
        .bind(wa_id.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(updated.rows_affected() == 1)
    }
}

fn chat_select() -> String {
    CHAT_SELECT
        .replace("{MESSAGE_COLUMNS}", MESSAGE_COLUMNS)
        .replace("{ASSIGNEE_COLUMNS}", ASSIGNEE_COLUMNS)
}

fn push_chat_filter(query: &mut QueryBuilder<'_, Sqlite>, filter: &ChatFilter) {
    query.push(" WHERE 1 = 1");
    if filter.unread {
        query.push(" AND c.new_messages > 0");
    }
    if let Some(user) = filter.assigned_user {
        query.push(" AND c.assigned_user_id = ").push_bind(user.0);
    }
    if filter.unassigned {
        query.push(" AND c.assigned_user_id IS NULL AND c.assigned_group_id IS NULL");
    }
    if let Some(group) = filter.assigned_group {
        query.push(" AND c.assigned_group_id = ").push_bind(group.0);
    }
    if let Some(tag) = filter.tag {
        query
            .push(" AND c.wa_id IN (SELECT ct.wa_id FROM chat_taggings ct WHERE ct.tag_id = ")
            .push_bind(tag.0)
            .push(")");
    }
    if let Some(typed) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        let pattern = like_pattern(typed);
        query
            .push(" AND (c.name LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR c.wa_id LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\'");
        if let Some(fts) = fts_query(typed) {
            query
                .push(
                    " OR c.wa_id IN (SELECT m2.wa_id FROM messages_search s \
                     JOIN messages m2 ON m2.id = s.rowid WHERE messages_search MATCH ",
                )
                .push_bind(fts)
                .push(")");
        }
        query.push(")");
    }
}

fn chat_from_row(row: &SqliteRow) -> anyhow::Result<ChatRecord> {
    Ok(ChatRecord {
        wa_id: row.get("wa_id"),
        name: row.get("name"),
        last_message_at: row.get("last_message_at"),
        last_inbound_at: row.get("last_inbound_at"),
        new_messages: row.get("new_messages"),
        last_message: message_from_row(row)?,
        resolved_at: row.get("resolved_at"),
        assigned_user: match row.get::<Option<i64>, _>("au_id") {
            Some(_) => Some(prefixed_user_from_row(row, "au_")?),
            None => None,
        },
        assigned_group: row.get::<Option<i64>, _>("ag_id").map(|id| Group {
            id: GroupId(id),
            name: row.get("ag_name"),
        }),
        tags: Vec::new(),
    })
}
