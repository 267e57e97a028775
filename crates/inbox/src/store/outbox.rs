//! The outbox: outgoing messages not yet accepted by 360Dialog, sent strictly in id order.

use super::conversation::apply_status;
use super::Store;
use crate::domain::whatsapp::{DeliveryStatus, StatusUpdate};
use serde_json::Value;
use sqlx::Row;

/// The next message to send.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub message_id: i64,
    pub attempts: i64,
    /// Unix seconds before which it is not tried again.
    pub next_attempt_at: i64,
    pub payload: Value,
}

impl Store {
    /// The oldest queued message, due or not: nothing may overtake it.
    pub async fn outbox_head(&self) -> anyhow::Result<Option<OutboxItem>> {
        let row = sqlx::query(
            "SELECT o.message_id, o.attempts, o.next_attempt_at, m.waba_payload
             FROM outbox o JOIN messages m ON m.id = o.message_id
             ORDER BY o.message_id LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let payload: String = row.get("waba_payload");
            Ok(OutboxItem {
                message_id: row.get("message_id"),
                attempts: row.get("attempts"),
                next_attempt_at: row.get("next_attempt_at"),
                payload: serde_json::from_str(&payload)?,
            })
        })
        .transpose()
    }

    pub async fn outbox_len(&self) -> anyhow::Result<u32> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
            .fetch_one(&self.pool)
            .await?)
    }

    /// 360Dialog accepted the message: it leaves the outbox with its wamid, and statuses that
    /// arrived before this are applied now.
    pub async fn outbox_sent(
        &self,
        message_id: i64,
        wamid: &str,
        payload: &Value,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE messages SET wamid = ?, waba_payload = ? WHERE id = ?")
            .bind(wamid)
            .bind(payload.to_string())
            .bind(message_id)
            .execute(&mut *tx)
            .await?;
        leave_outbox(&mut tx, message_id).await?;
        let early = sqlx::query(
            "DELETE FROM early_statuses WHERE wamid = ? RETURNING status, timestamp, errors",
        )
        .bind(wamid)
        .fetch_all(&mut *tx)
        .await?;
        for row in early {
            let status: String = row.get("status");
            let errors: Option<String> = row.get("errors");
            let Some(status) = DeliveryStatus::parse(&status) else {
                continue;
            };
            let update = StatusUpdate {
                wamid: wamid.to_owned(),
                status,
                timestamp: row.get("timestamp"),
                errors: errors.map(|e| serde_json::from_str(&e)).transpose()?,
            };
            apply_status(&mut tx, &update).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// 360Dialog refused the message for good: it leaves the outbox, failed, with the reason.
    pub async fn outbox_refused(
        &self,
        message_id: i64,
        errors: &Value,
        now: i64,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE messages SET failed_at = ?, errors = ? WHERE id = ?")
            .bind(now)
            .bind(errors.to_string())
            .bind(message_id)
            .execute(&mut *tx)
            .await?;
        leave_outbox(&mut tx, message_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// 360Dialog could not take it now: the message is tried again at `next_attempt_at`.
    pub async fn outbox_postpone(
        &self,
        message_id: i64,
        next_attempt_at: i64,
        error: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
             WHERE message_id = ?",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

async fn leave_outbox(conn: &mut sqlx::SqliteConnection, message_id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM outbox WHERE message_id = ?")
        .bind(message_id)
        .execute(conn)
        .await?;
    Ok(())
}
