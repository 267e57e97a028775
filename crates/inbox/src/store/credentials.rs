//! A changed password ends the user's other ways in.

use super::Store;
use crate::domain::UserId;
use crate::secret::SecretDigest;

impl Store {
    /// Stores the new hash and, in the same transaction, ends every web session of the user and
    /// every API token but `kept` (the one the change was made with): whoever knew the old
    /// password is signed out everywhere else.
    pub async fn replace_password(
        &self,
        id: UserId,
        password_hash: &str,
        kept: &SecretDigest,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM api_tokens WHERE user_id = ? AND token_sha256 <> ?")
            .bind(id.0)
            .bind(kept.as_hex())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// False if there is no such user.
    pub async fn set_availability(&self, id: UserId, is_available: bool) -> anyhow::Result<bool> {
        let done = sqlx::query("UPDATE users SET is_available = ? WHERE id = ?")
            .bind(is_available)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
