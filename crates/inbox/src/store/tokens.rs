//! API tokens (`Authorization: Token …`), kept only as SHA-256 digests.

use super::users::user_from_row;
use super::Store;
use crate::clock::UnixSeconds;
use crate::domain::{User, UserId};
use crate::secret::SecretDigest;
use sqlx::SqliteConnection;

impl Store {
    pub async fn add_api_token(
        &self,
        user: UserId,
        token: &SecretDigest,
        now: UnixSeconds,
    ) -> anyhow::Result<()> {
        let mut conn = self.pool.acquire().await?;
        insert(&mut conn, user, token, false, now).await
    }

    pub async fn delete_api_token(&self, token: &SecretDigest) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM api_tokens WHERE token_sha256 = ?")
            .bind(token.as_hex())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn user_of_api_token(&self, token: &SecretDigest) -> anyhow::Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.email, u.role, u.date_joined, u.is_available
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_sha256 = ?",
        )
        .bind(token.as_hex())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }
}

/// Makes `token` the one token the bootstrap file gives this user, replacing an earlier one.
pub(crate) async fn replace_bootstrap_token(
    conn: &mut SqliteConnection,
    user: UserId,
    token: &SecretDigest,
    now: UnixSeconds,
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM api_tokens WHERE user_id = ? AND from_bootstrap = 1")
        .bind(user.0)
        .execute(&mut *conn)
        .await?;
    insert(conn, user, token, true, now).await
}

async fn insert(
    conn: &mut SqliteConnection,
    user: UserId,
    token: &SecretDigest,
    from_bootstrap: bool,
    now: UnixSeconds,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (token_sha256, user_id, from_bootstrap, created_at)
         VALUES (?, ?, ?, ?)
         ON CONFLICT (token_sha256) DO UPDATE SET user_id = excluded.user_id,
             from_bootstrap = excluded.from_bootstrap",
    )
    .bind(token.as_hex())
    .bind(user.0)
    .bind(from_bootstrap)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
