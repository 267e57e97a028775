//! Users, and the seat count that limits them.

use super::assignment::{self, AssignmentEvent};
use super::Store;
use crate::clock::UnixSeconds;
use crate::domain::{Email, Role, SeatLimit, User, UserId, Username};
use anyhow::Context;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

pub(crate) const USER_COLUMNS: &str = "id, username, email, role, date_joined, is_available";
const HUMAN: &str = "role != 'configurator'";

#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("the user name is taken")]
    UsernameTaken,
    #[error("every seat is taken")]
    SeatLimitReached(SeatLimit),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Store {
    /// Adds an admin or agent if a seat is free; the check and the insert are one statement, so
    /// two concurrent additions cannot both take the last seat.
    pub async fn add_person(
        &self,
        username: &Username,
        email: Option<&Email>,
        role: Role,
        password_hash: &str,
        now: UnixSeconds,
    ) -> Result<User, InsertUserError> {
        let inserted = sqlx::query(&format!(
            "INSERT INTO users (username, email, role, password_hash, date_joined)
             SELECT ?, ?, ?, ?, ?
             WHERE (SELECT COUNT(*) FROM users WHERE {HUMAN})
                 < (SELECT max_number_of_seats FROM instance)
             RETURNING {USER_COLUMNS}"
        ))
        .bind(username.as_str())
        .bind(email.map_or("", Email::as_str))
        .bind(role.as_str())
        .bind(password_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await;
        match inserted {
            Ok(Some(row)) => Ok(user_from_row(&row)?),
            Ok(None) => Err(InsertUserError::SeatLimitReached(
                self.platform_settings().await?.max_number_of_seats,
            )),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(InsertUserError::UsernameTaken)
            }
            Err(e) => Err(anyhow::Error::from(e).into()),
        }
    }

    pub async fn user(&self, id: UserId) -> anyhow::Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The user of that name (case-insensitive) and its password hash, if it has one.
    pub async fn user_with_password(
        &self,
        username: &str,
    ) -> anyhow::Result<Option<(User, Option<String>)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?"
        ))
        .bind(username.trim())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((user_from_row(&row)?, row.get("password_hash"))))
            .transpose()
    }

    /// One page of all users, oldest first, and the total count.
    pub async fn users_page(&self, limit: u32, offset: u32) -> anyhow::Result<(u32, Vec<User>)> {
        let count: u32 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY id LIMIT ? OFFSET ?"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let users = rows.iter().map(user_from_row).collect::<Result<_, _>>()?;
        Ok((count, users))
    }

    /// Deletes the user with its tokens and sessions, taking them off every chat assigned to
    /// them first (each in that chat's history, done by `by`); `None` if there was no such user.
    pub async fn delete_user(
        &self,
        id: UserId,
        by: &User,
    ) -> anyhow::Result<Option<Vec<AssignmentEvent>>> {
        let mut tx = self.begin_immediate().await?;
        let unassigned = assignment::unassign_user(&mut tx, id, by).await?;
        let done = sqlx::query("DELETE FROM users WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(unassigned))
    }

    pub async fn set_password_hash(&self, id: UserId, password_hash: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn seats_in_use(&self) -> anyhow::Result<u32> {
        let count = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users WHERE {HUMAN}"))
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    /// How many people come before this one in seat order: admins first, then by age.
    pub async fn seat_position(&self, user: &User) -> anyhow::Result<u32> {
        let is_admin = user.role == Role::Admin;
        let position = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM users WHERE {HUMAN}
               AND ((role = 'admin') > ? OR ((role = 'admin') = ? AND id < ?))"
        ))
        .bind(is_admin)
        .bind(is_admin)
        .bind(user.id.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(position)
    }
}

/// Adds a user without a password and without the seat check: for the bootstrap only.
pub(crate) async fn insert_without_password(
    conn: &mut SqliteConnection,
    username: &Username,
    email: Option<&Email>,
    role: Role,
    now: UnixSeconds,
) -> anyhow::Result<UserId> {
    let id = sqlx::query_scalar(
        "INSERT INTO users (username, email, role, date_joined) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(username.as_str())
    .bind(email.map_or("", Email::as_str))
    .bind(role.as_str())
    .bind(now)
    .fetch_one(conn)
    .await
    .with_context(|| format!("cannot create the user {}", username.as_str()))?;
    Ok(UserId(id))
}

pub(crate) async fn find_by_role(
    conn: &mut SqliteConnection,
    username: &Username,
    role: Role,
) -> anyhow::Result<Option<UserId>> {
    let id = sqlx::query_scalar("SELECT id FROM users WHERE username = ? AND role = ?")
        .bind(username.as_str())
        .bind(role.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(id.map(UserId))
}

pub(crate) fn user_from_row(row: &SqliteRow) -> anyhow::Result<User> {
    prefixed_user_from_row(row, "")
}

/// A user from columns named with a prefix, e.g. `u_id`, `u_username`, … in a join.
pub(crate) fn prefixed_user_from_row(row: &SqliteRow, prefix: &str) -> anyhow::Result<User> {
    let column = |name: &str| format!("{prefix}{name}");
    let role: String = row.get(column("role").as_str());
    let username: String = row.get(column("username").as_str());
    Ok(User {
        id: UserId(row.get(column("id").as_str())),
        username: Username::parse(&username)
            .map_err(|e| anyhow::anyhow!("stored user name {username:?}: {e}"))?,
        email: row.get(column("email").as_str()),
        role: Role::parse(&role).with_context(|| format!("stored role {role:?}"))?,
        date_joined: row.get(column("date_joined").as_str()),
        is_available: row.get(column("is_available").as_str()),
    })
}
