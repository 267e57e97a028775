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

/// Why a presented activation code does not let anyone choose the admin's password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationRefusal {
    /// Not the current code (never issued, or replaced by a fresher one).
    Invalid,
    Used,
    Expired,
}

impl Activation {
    /// The user the `presented` code lets choose a password at `now`, or why not.
    pub fn admits(
        &self,
        presented: &SecretDigest,
        now: UnixSeconds,
    ) -> Result<UserId, ActivationRefusal> {
        if !self.code.matches(presented) {
            Err(ActivationRefusal::Invalid)
        } else if self.used {
            Err(ActivationRefusal::Used)
        } else if now >= self.expires_at {
            Err(ActivationRefusal::Expired)
        } else {
            Ok(self.user)
        }
    }
}

impl Store {
    /// Whom `presented` would activate; looking changes nothing.
    pub async fn check_activation(
        &self,
        presented: &SecretDigest,
        now: UnixSeconds,
    ) -> anyhow::Result<Result<UserId, ActivationRefusal>> {
        let mut conn = self.pool.acquire().await?;
        Ok(admitted(find(&mut conn).await?, presented, now))
    }

    /// Spends the code and gives its user `password_hash`, both or neither: of two saves with the
    /// same code only the first sets a password.
    pub async fn activate(
        &self,
        presented: &SecretDigest,
        password_hash: &str,
        now: UnixSeconds,
    ) -> anyhow::Result<Result<UserId, ActivationRefusal>> {
        let mut tx = self.pool.begin().await?;
        let user = match admitted(find(&mut tx).await?, presented, now) {
            Ok(user) => user,
            refused => return Ok(refused),
        };
        let spent = sqlx::query("UPDATE activation SET used_at = ? WHERE used_at IS NULL")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if spent.rows_affected() != 1 {
            return Ok(Err(ActivationRefusal::Used));
        }
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(user))
    }
}

/// What became of a fresh code the control plane sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rearmed {
    Armed,
    /// The admin has chosen a password: no code can set it again.
    AlreadyActivated,
}

impl Store {
    /// Replaces the unused code with `code`; a used one stays (the admin has a password).
    pub async fn rearm_unused_activation(
        &self,
        code: &SecretDigest,
        expires_at: UnixSeconds,
    ) -> anyhow::Result<Rearmed> {
        let mut tx = self.pool.begin().await?;
        let current = find(&mut tx)
            .await?
            .context("the instance has no activation")?;
        if current.used {
            return Ok(Rearmed::AlreadyActivated);
        }
        arm(&mut tx, current.user, code, expires_at).await?;
        tx.commit().await?;
        Ok(Rearmed::Armed)
    }
}

fn admitted(
    activation: Option<Activation>,
    presented: &SecretDigest,
    now: UnixSeconds,
) -> Result<UserId, ActivationRefusal> {
    activation.map_or(Err(ActivationRefusal::Invalid), |a| {
        a.admits(presented, now)
    })
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
