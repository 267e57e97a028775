//! Resolved chats: a chat is resolved until someone reopens it or the customer writes again
//! (the inbound recording clears `resolved_at`).

use super::Store;
use crate::clock::UnixSeconds;
use crate::domain::WaId;

impl Store {
    /// Resolves the chat at `now`, or reopens it with `None`; a chat already resolved keeps its
    /// first time. False if there is no such chat.
    pub async fn set_resolved(
        &self,
        wa_id: &WaId,
        now: Option<UnixSeconds>,
    ) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE chats SET resolved_at = CASE WHEN ?1 IS NULL THEN NULL
                                                 ELSE COALESCE(resolved_at, ?1) END
             WHERE wa_id = ?2",
        )
        .bind(now)
        .bind(wa_id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
