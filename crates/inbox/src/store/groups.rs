//! Groups of agents and their members.

use super::users::{user_from_row, USER_COLUMNS};
use super::Store;
use crate::clock::UnixSeconds;
use crate::domain::{Role, User, UserId};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupId(pub i64);

/// A group's name: trimmed, not blank, at most 150 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupName(String);

const MAX_NAME_CHARS: usize = 150;

impl GroupName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("This field may not be blank.".into());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!(
                "Ensure this field has no more than {MAX_NAME_CHARS} characters."
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("A group with this name already exists.")]
    NameTaken,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    #[error("no such group")]
    NoGroup,
    #[error("There is no such user.")]
    NoUser,
    #[error("The configurator cannot be a member of a group.")]
    NotAPerson,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for GroupError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Self::NameTaken,
            e => Self::Other(e.into()),
        }
    }
}

impl Store {
    /// One page of groups, by name, and how many there are.
    pub async fn groups_page(&self, limit: u32, offset: u32) -> anyhow::Result<(u32, Vec<Group>)> {
        let count: u32 = sqlx::query_scalar("SELECT COUNT(*) FROM agent_groups")
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(
            "SELECT id, name FROM agent_groups ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok((count, rows.iter().map(group_from_row).collect()))
    }

    pub async fn group(&self, id: GroupId) -> anyhow::Result<Option<Group>> {
        let row = sqlx::query("SELECT id, name FROM agent_groups WHERE id = ?")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(group_from_row))
    }

    pub async fn create_group(
        &self,
        name: &GroupName,
        now: UnixSeconds,
    ) -> Result<Group, GroupError> {
        let row = sqlx::query(
            "INSERT INTO agent_groups (name, created_at) VALUES (?, ?) RETURNING id, name",
        )
        .bind(name.as_str())
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(group_from_row(&row))
    }

    /// The renamed group, or `None` if there is no such group.
    pub async fn rename_group(
        &self,
        id: GroupId,
        name: &GroupName,
    ) -> Result<Option<Group>, GroupError> {
        let row = sqlx::query("UPDATE agent_groups SET name = ? WHERE id = ? RETURNING id, name")
            .bind(name.as_str())
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(group_from_row))
    }

    /// Deletes the group: its chats keep their user but lose the group. False if there was none.
    pub async fn delete_group(&self, id: GroupId) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM agent_groups WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The group's members, oldest user first.
    pub async fn group_members(&self, id: GroupId) -> anyhow::Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id IN
                 (SELECT user_id FROM group_members WHERE group_id = ?) ORDER BY id"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Adds a person to a group; adding a member again changes nothing.
    pub async fn add_group_member(
        &self,
        group: GroupId,
        user: UserId,
    ) -> Result<(), MembershipError> {
        if self.group(group).await?.is_none() {
            return Err(MembershipError::NoGroup);
        }
        match self.user(user).await? {
            None => return Err(MembershipError::NoUser),
            Some(u) if u.role == Role::Configurator => return Err(MembershipError::NotAPerson),
            Some(_) => {}
        }
        // The user may be deleted between the check and the insert: the foreign key says so.
        let inserted = sqlx::query(
            "INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(group.0)
        .bind(user.0)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
                Err(MembershipError::NoUser)
            }
            Err(e) => Err(anyhow::Error::from(e).into()),
        }
    }

    /// False if the user was not a member.
    pub async fn remove_group_member(&self, group: GroupId, user: UserId) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM group_members WHERE group_id = ? AND user_id = ?")
            .bind(group.0)
            .bind(user.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The groups a user belongs to, by name.
    pub async fn groups_of(&self, user: UserId) -> anyhow::Result<Vec<Group>> {
        let rows = sqlx::query(
            "SELECT g.id, g.name FROM agent_groups g
             JOIN group_members m ON m.group_id = g.id
             WHERE m.user_id = ? ORDER BY g.name COLLATE NOCASE, g.id",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(group_from_row).collect())
    }

    pub async fn is_group_member(&self, group: GroupId, user: UserId) -> anyhow::Result<bool> {
        let member = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?)",
        )
        .bind(group.0)
        .bind(user.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(member)
    }
}

pub(crate) fn group_from_row(row: &SqliteRow) -> Group {
    Group {
        id: GroupId(row.get("id")),
        name: row.get("name"),
    }
}
