//! The admin's one-time activation code.

use super::Store;
use crate::clock::UnixSeconds;
use crate::domain::UserId;
use crate::secret::SecretDigest;
use anyhow::Context;
use sqlx::{Row, SqliteConnection};

pub struct Activation {
    pub user: UserId,
    pub code: SecretDigest,
    pub expires_at: UnixSeconds,
    pub used: bool,
}

impl Store {
    pub async fn activation(&self) -> anyhow::Result<Option<Activation>> {
        let mut conn = self.pool.acquire().await?;
        find(&mut conn).await
    }

    /// Marks the code used; false if it already was (a concurrent visit won).
    pub async fn use_activation(&self, now: UnixSeconds) -> anyhow::Result<bool> {
        let done = sqlx::query("UPDATE activation SET used_at = ? WHERE used_at IS NULL")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

pub(crate) async fn find(conn: &mut SqliteConnection) -> anyhow::Result<Option<Activation>> {
    let row = sqlx::query("SELECT user_id, code_sha256, expires_at, used_at FROM activation")
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        let used_at: Option<UnixSeconds> = row.get("used_at");
        Ok(Activation {
            user: UserId(row.get("user_id")),
            code: SecretDigest::parse_hex(row.get("code_sha256"))
                .context("the stored activation digest is malformed")?,
            expires_at: row.get("expires_at"),
            used: used_at.is_some(),
        })
    })
    .transpose()
}

/// Makes `code` the admin's activation code, unused, replacing any earlier one.
pub(crate) async fn arm(
    conn: &mut SqliteConnection,
    user: UserId,
    code: &SecretDigest,
    expires_at: UnixSeconds,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO activation (id, user_id, code_sha256, expires_at, used_at)
         VALUES (1, ?, ?, ?, NULL)
         ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id,
             code_sha256 = excluded.code_sha256, expires_at = excluded.expires_at, used_at = NULL",
    )
    .bind(user.0)
    .bind(code.as_hex())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn set_expiry(
    conn: &mut SqliteConnection,
    expires_at: UnixSeconds,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE activation SET expires_at = ?")
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}
