//! Web sessions of the admin panel and of the web inbox, kept only as SHA-256 digests.

use super::users::user_from_row;
use super::Store;
use crate::clock::UnixSeconds;
use crate::domain::{User, UserId};
use crate::secret::SecretDigest;

/// The two web areas; each has its own sign-in and its own session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Admin,
    Inbox,
}

impl Area {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Inbox => "inbox",
        }
    }
}

pub struct StoredSession {
    pub user: User,
}

impl Store {
    pub async fn open_session(
        &self,
        token: &SecretDigest,
        user: UserId,
        area: Area,
        expires_at: UnixSeconds,
    ) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(crate::clock::now())
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_sha256, user_id, area, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(token.as_hex())
        .bind(user.0)
        .bind(area.as_str())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session of `area` with that token, if any. Sessions that an earlier version opened
    /// at the activation link before a password was chosen (`must_set_password`) are not.
    pub async fn session(
        &self,
        token: &SecretDigest,
        area: Area,
        now: UnixSeconds,
    ) -> anyhow::Result<Option<StoredSession>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.email, u.role, u.date_joined, u.is_available
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_sha256 = ? AND s.area = ? AND s.expires_at > ?
               AND s.must_set_password = 0",
        )
        .bind(token.as_hex())
        .bind(area.as_str())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredSession {
                user: user_from_row(&row)?,
            })
        })
        .transpose()
    }

    pub async fn close_session(&self, token: &SecretDigest) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = ?")
            .bind(token.as_hex())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
