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
    /// Opened by the activation link: the user must choose a password before anything else.
    pub must_set_password: bool,
}

impl Store {
    pub async fn open_session(
        &self,
        token: &SecretDigest,
        user: UserId,
        area: Area,
        must_set_password: bool,
        expires_at: UnixSeconds,
    ) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(crate::clock::now())
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_sha256, user_id, area, must_set_password, expires_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token.as_hex())
        .bind(user.0)
        .bind(area.as_str())
        .bind(must_set_password)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session of `area` with that token, if any.
    pub async fn session(
        &self,
        token: &SecretDigest,
        area: Area,
        now: UnixSeconds,
    ) -> anyhow::Result<Option<StoredSession>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.email, u.role, u.date_joined, u.is_available, s.must_set_password
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_sha256 = ? AND s.area = ? AND s.expires_at > ?",
        )
        .bind(token.as_hex())
        .bind(area.as_str())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredSession {
                user: user_from_row(&row)?,
                must_set_password: sqlx::Row::get(&row, "must_set_password"),
            })
        })
        .transpose()
    }

    pub async fn password_set_in_session(&self, token: &SecretDigest) -> anyhow::Result<()> {
        sqlx::query("UPDATE sessions SET must_set_password = 0 WHERE token_sha256 = ?")
            .bind(token.as_hex())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn close_session(&self, token: &SecretDigest) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = ?")
            .bind(token.as_hex())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
