//! Groups of agents and their members.

use super::assignment::{self, AssignmentEvent};
use super::users::{user_from_row, USER_COLUMNS};
use super::Store;
use crate::clock::UnixSeconds;
use crate::domain::{Role, User, UserId};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::HashMap;

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

    /// Whether two names are the same group: names are unique regardless of case.
    pub fn same_as(&self, other: &str) -> bool {
        self.0.to_lowercase() == other.to_lowercase()
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
    /// A member named does not exist or is not a person (never `NoGroup`).
    #[error(transparent)]
    Members(MembershipError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    #[error("no such group")]
    NoGroup,
    #[error("There is no such user.")]
    NoUser(UserId),
    #[error("The configurator cannot be a member of a group.")]
    NotAPerson(UserId),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// What a change of a group sets; `None` keeps what it has.
#[derive(Debug, Default)]
pub struct GroupChange {
    pub name: Option<GroupName>,
    /// The group's members from now on.
    pub members: Option<Vec<UserId>>,
}

impl From<sqlx::Error> for GroupError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Self::NameTaken,
            e => Self::Other(e.into()),
        }
    }
}

impl From<sqlx::Error> for MembershipError {
    fn from(e: sqlx::Error) -> Self {
        Self::Other(e.into())
    }
}

impl From<MembershipError> for GroupError {
    fn from(e: MembershipError) -> Self {
        match e {
            MembershipError::Other(e) => Self::Other(e),
            e => Self::Members(e),
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
        self.create_group_with_members(name, &[], now).await
    }

    /// A new group with these members (people of the team).
    pub async fn create_group_with_members(
        &self,
        name: &GroupName,
        members: &[UserId],
        now: UnixSeconds,
    ) -> Result<Group, GroupError> {
        let mut tx = self.begin_immediate().await?;
        refuse_taken_name(&mut tx, name, None).await?;
        let row = sqlx::query(
            "INSERT INTO agent_groups (name, created_at) VALUES (?, ?) RETURNING id, name",
        )
        .bind(name.as_str())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let group = group_from_row(&row);
        replace_members(&mut tx, group.id, members).await?;
        tx.commit().await?;
        Ok(group)
    }

    /// Renames the group and/or replaces its members; `None` if there is no such group.
    pub async fn change_group(
        &self,
        id: GroupId,
        change: &GroupChange,
    ) -> Result<Option<Group>, GroupError> {
        let mut tx = self.begin_immediate().await?;
        if let Some(name) = &change.name {
            refuse_taken_name(&mut tx, name, Some(id)).await?;
        }
        let row = sqlx::query(
            "UPDATE agent_groups SET name = COALESCE(?, name) WHERE id = ? RETURNING id, name",
        )
        .bind(change.name.as_ref().map(GroupName::as_str))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if let Some(members) = &change.members {
            replace_members(&mut tx, id, members).await?;
        }
        tx.commit().await?;
        Ok(Some(group_from_row(&row)))
    }

    /// The renamed group, or `None` if there is no such group.
    pub async fn rename_group(
        &self,
        id: GroupId,
        name: &GroupName,
    ) -> Result<Option<Group>, GroupError> {
        let change = GroupChange {
            name: Some(name.clone()),
            members: None,
        };
        self.change_group(id, &change).await
    }

    /// Deletes the group. Its chats keep their user but lose the group, each in its history as
    /// done by `by`, and round-robin stops if it went to this group. The chats' history rows, or
    /// `None` if there was no such group.
    pub async fn delete_group(
        &self,
        id: GroupId,
        by: &User,
    ) -> anyhow::Result<Option<Vec<AssignmentEvent>>> {
        let mut tx = self.begin_immediate().await?;
        if !group_exists(&mut tx, id).await? {
            return Ok(None);
        }
        let unassigned = assignment::unassign_group(&mut tx, id, by).await?;
        sqlx::query(
            "UPDATE team_settings SET auto_assign_group_id = NULL WHERE auto_assign_group_id = ?",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM agent_groups WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(unassigned))
    }

    /// The members of each of these groups, oldest user first; a group without any is absent.
    pub async fn members_of_groups(
        &self,
        groups: &[GroupId],
    ) -> anyhow::Result<HashMap<GroupId, Vec<User>>> {
        let mut members: HashMap<GroupId, Vec<User>> = HashMap::new();
        if groups.is_empty() {
            return Ok(members);
        }
        let columns = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT m.group_id, {columns} FROM group_members m \
             JOIN users u ON u.id = m.user_id WHERE m.group_id IN ("
        ));
        let mut ids = query.separated(", ");
        for group in groups {
            ids.push_bind(group.0);
        }
        query.push(") ORDER BY m.group_id, u.id");
        for row in query.build().fetch_all(&self.pool).await? {
            let group = GroupId(row.get("group_id"));
            members.entry(group).or_default().push(user_from_row(&row)?);
        }
        Ok(members)
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

    /// The groups each of these users belongs to, by name; a user in none is absent.
    pub async fn groups_of_users(
        &self,
        users: &[UserId],
    ) -> anyhow::Result<HashMap<UserId, Vec<Group>>> {
        let mut groups: HashMap<UserId, Vec<Group>> = HashMap::new();
        if users.is_empty() {
            return Ok(groups);
        }
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT m.user_id, g.id, g.name FROM group_members m \
             JOIN agent_groups g ON g.id = m.group_id WHERE m.user_id IN (",
        );
        let mut ids = query.separated(", ");
        for user in users {
            ids.push_bind(user.0);
        }
        query.push(") ORDER BY g.name COLLATE NOCASE, g.id");
        for row in query.build().fetch_all(&self.pool).await? {
            let user = UserId(row.get("user_id"));
            groups.entry(user).or_default().push(group_from_row(&row));
        }
        Ok(groups)
    }

    /// Adds a person to a group; adding a member again changes nothing.
    pub async fn add_group_member(
        &self,
        group: GroupId,
        user: UserId,
    ) -> Result<(), MembershipError> {
        let mut tx = self.begin_immediate().await?;
        if !group_exists(&mut tx, group).await? {
            return Err(MembershipError::NoGroup);
        }
        check_person(&mut tx, user).await?;
        sqlx::query(
            "INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(group.0)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
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

/// Another group with the same name in any case is taken (NOCASE in the table covers ASCII only).
async fn refuse_taken_name(
    conn: &mut SqliteConnection,
    name: &GroupName,
    except: Option<GroupId>,
) -> Result<(), GroupError> {
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM agent_groups WHERE id IS NOT ?")
        .bind(except.map(|id| id.0))
        .fetch_all(conn)
        .await?;
    if names.iter().any(|other| name.same_as(other)) {
        return Err(GroupError::NameTaken);
    }
    Ok(())
}

async fn group_exists(conn: &mut SqliteConnection, id: GroupId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM agent_groups WHERE id = ?)")
        .bind(id.0)
        .fetch_one(conn)
        .await
}

/// A member must be a person of the team: an admin or an agent, not the configurator.
async fn check_person(conn: &mut SqliteConnection, user: UserId) -> Result<(), MembershipError> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = ?")
        .bind(user.0)
        .fetch_optional(conn)
        .await?;
    match role.as_deref() {
        None => Err(MembershipError::NoUser(user)),
        Some(role) if role == Role::Configurator.as_str() => Err(MembershipError::NotAPerson(user)),
        Some(_) => Ok(()),
    }
}

/// The group's members become exactly these people (the group exists).
async fn replace_members(
    conn: &mut SqliteConnection,
    group: GroupId,
    members: &[UserId],
) -> Result<(), MembershipError> {
    for user in members {
        check_person(conn, *user).await?;
    }
    sqlx::query("DELETE FROM group_members WHERE group_id = ?")
        .bind(group.0)
        .execute(&mut *conn)
        .await?;
    for user in members {
        sqlx::query(
            "INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(group.0)
        .bind(user.0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
