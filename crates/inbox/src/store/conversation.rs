//! Writes that change a conversation: new messages either way and the statuses of ours. One
//! transaction per webhook body or send, so a crash keeps all of it or none.

use super::assignment::{self, AssignmentEvent};
use super::Store;
use crate::domain::whatsapp::{DeliveryStatus, InboundBatch, MediaRef, StatusUpdate};
use crate::domain::{UserId, WaId};
use sqlx::SqliteConnection;

/// What a webhook body changed.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Ids of the messages that were new (a repeated wamid is not).
    pub new_messages: Vec<i64>,
    /// Media that new messages refer to, to be fetched.
    pub new_media: Vec<MediaRef>,
    pub statuses_applied: usize,
    /// Statuses for messages not known (yet): kept, applied if the message is recorded later.
    pub statuses_kept: usize,
    /// Resolved chats that a new customer message opened again.
    pub reopened: Vec<WaId>,
    /// Conversations that started and were assigned round-robin.
    pub assigned: Vec<AssignmentEvent>,
}

/// An outgoing message, before 360Dialog has accepted it.
pub struct NewOutgoing<'a> {
    pub wa_id: &'a WaId,
    pub kind: &'a str,
    pub payload: &'a serde_json::Value,
    pub search_text: &'a str,
    pub sender: Option<UserId>,
    pub timestamp: i64,
}

impl Store {
    /// Records several webhook bodies in one transaction (one commit is most of the cost of a
    /// small one); what each changed comes back in the same order.
    pub async fn record_inbound(
        &self,
        batches: &[&InboundBatch],
        now: i64,
    ) -> anyhow::Result<Vec<Recorded>> {
        let mut tx = self.pool.begin().await?;
        let mut recorded = Vec::with_capacity(batches.len());
        for batch in batches {
            recorded.push(record_batch(&mut tx, batch, now).await?);
        }
        tx.commit().await?;
        Ok(recorded)
    }

    /// Records a message to send and queues it, behind every message queued before it.
    pub async fn enqueue_outgoing(&self, message: &NewOutgoing<'_>) -> anyhow::Result<i64> {
        let mut tx = self.pool.begin().await?;
        ensure_chat(&mut tx, message.wa_id, "", message.timestamp).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (wa_id, from_us, type, timestamp, waba_payload, search_text,
                 sender_id, received)
             VALUES (?, 1, ?, ?, ?, ?, ?, 1) RETURNING id",
        )
        .bind(message.wa_id.as_str())
        .bind(message.kind)
        .bind(message.timestamp)
        .bind(message.payload.to_string())
        .bind(message.search_text)
        .bind(message.sender.map(|u| u.0))
        .fetch_one(&mut *tx)
        .await?;
        touch_chat(&mut tx, message.wa_id, id, message.timestamp, false).await?;
        sqlx::query("INSERT INTO outbox (message_id, next_attempt_at) VALUES (?, ?)")
            .bind(id)
            .bind(message.timestamp)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }
}

async fn record_batch(
    tx: &mut SqliteConnection,
    batch: &InboundBatch,
    now: i64,
) -> anyhow::Result<Recorded> {
    let mut recorded = Recorded::default();
    for (wa_id, name) in &batch.contacts {
        ensure_chat(tx, wa_id, name, now).await?;
    }
    for message in &batch.messages {
        if !batch
            .contacts
            .iter()
            .any(|(wa_id, _)| *wa_id == message.from)
        {
            ensure_chat(tx, &message.from, "", now).await?;
        }
        let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO messages (wamid, wa_id, from_us, type, timestamp, waba_payload, search_text)
                 VALUES (?, ?, 0, ?, ?, ?, ?)
                 ON CONFLICT (wamid) DO NOTHING RETURNING id",
            )
            .bind(&message.wamid)
            .bind(message.from.as_str())
            .bind(&message.kind)
            .bind(message.timestamp)
            .bind(message.payload.to_string())
            .bind(&message.search_text)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(id) = inserted else { continue };
        let first_inbound = first_inbound(tx, &message.from).await?;
        touch_chat(tx, &message.from, id, message.timestamp, true).await?;
        if first_inbound {
            if let Some(event) = assignment::auto_assign(tx, &message.from).await? {
                recorded.assigned.push(event);
            }
        }
        if reopen(tx, &message.from).await? {
            recorded.reopened.push(message.from.clone());
        }
        if let Some(media) = &message.media {
            sqlx::query(
                "INSERT INTO media (id, mime_type, file_name, sha256, created_at)
                     VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&media.id)
            .bind(&media.mime_type)
            .bind(&media.file_name)
            .bind(&media.sha256)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            recorded.new_media.push(media.clone());
        }
        recorded.new_messages.push(id);
    }
    for status in &batch.statuses {
        if apply_status(tx, status).await? {
            recorded.statuses_applied += 1;
        } else {
            keep_early_status(tx, status, now).await?;
            recorded.statuses_kept += 1;
        }
    }
    Ok(recorded)
}

/// The chat with a customer, created on their first message; a non-empty profile name replaces
/// the one known.
async fn ensure_chat(
    conn: &mut SqliteConnection,
    wa_id: &WaId,
    name: &str,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO chats (wa_id, name, last_message_at, created_at) VALUES (?, ?, 0, ?)
         ON CONFLICT (wa_id) DO UPDATE SET name = excluded.name WHERE excluded.name <> ''",
    )
    .bind(wa_id.as_str())
    .bind(name)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the customer has not written in this chat before: their message starts a
/// conversation.
async fn first_inbound(conn: &mut SqliteConnection, wa_id: &WaId) -> anyhow::Result<bool> {
    let first = sqlx::query_scalar("SELECT last_inbound_at IS NULL FROM chats WHERE wa_id = ?")
        .bind(wa_id.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(first.unwrap_or(false))
}

/// A new message in the chat: the newest one shows in the list, and a customer's opens the
/// 24-hour window and counts as unread.
async fn touch_chat(
    conn: &mut SqliteConnection,
    wa_id: &WaId,
    message_id: i64,
    timestamp: i64,
    inbound: bool,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE chats SET
             last_message_id = CASE WHEN ?1 >= last_message_at THEN ?2 ELSE last_message_id END,
             last_message_at = MAX(last_message_at, ?1),
             last_inbound_at = CASE WHEN ?3 THEN MAX(COALESCE(last_inbound_at, 0), ?1)
                                    ELSE last_inbound_at END,
             new_messages = new_messages + ?3
         WHERE wa_id = ?4",
    )
    .bind(timestamp)
    .bind(message_id)
    .bind(inbound)
    .bind(wa_id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// A customer's message opens a resolved chat again; true if it was resolved.
async fn reopen(conn: &mut SqliteConnection, wa_id: &WaId) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE chats SET resolved_at = NULL WHERE wa_id = ? AND resolved_at IS NOT NULL",
    )
    .bind(wa_id.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a status of one of our messages; a later status implies the earlier ones. False if
/// no message has that wamid.
pub(crate) async fn apply_status(
    conn: &mut SqliteConnection,
    status: &StatusUpdate,
) -> anyhow::Result<bool> {
    let sql = match status.status {
        DeliveryStatus::Sent => {
            "UPDATE messages SET sent_at = COALESCE(sent_at, ?1) WHERE wamid = ?2"
        }
        DeliveryStatus::Delivered => {
            "UPDATE messages SET sent_at = COALESCE(sent_at, ?1),
                 delivered_at = COALESCE(delivered_at, ?1) WHERE wamid = ?2"
        }
        DeliveryStatus::Read => {
            "UPDATE messages SET sent_at = COALESCE(sent_at, ?1),
                 delivered_at = COALESCE(delivered_at, ?1), read_at = COALESCE(read_at, ?1)
             WHERE wamid = ?2"
        }
        DeliveryStatus::Failed => {
            "UPDATE messages SET failed_at = COALESCE(failed_at, ?1), errors = COALESCE(?3, errors)
             WHERE wamid = ?2"
        }
    };
    let mut query = sqlx::query(sql).bind(status.timestamp).bind(&status.wamid);
    if status.status == DeliveryStatus::Failed {
        query = query.bind(status.errors.as_ref().map(|e| e.to_string()));
    }
    let done = query.execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

async fn keep_early_status(
    conn: &mut SqliteConnection,
    status: &StatusUpdate,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO early_statuses (wamid, status, timestamp, errors, received_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&status.wamid)
    .bind(status.status.as_str())
    .bind(status.timestamp)
    .bind(status.errors.as_ref().map(|e| e.to_string()))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
