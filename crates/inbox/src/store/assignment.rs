//! Who handles a chat, and the history of every change of it.
//!
//! Each change reads the chat's assignment and writes the new one and its history row in one
//! write transaction, so two people changing a chat at once are applied one after the other and
//! each history row names truly what it changed from and to.

use super::groups::{Group, GroupId};
use super::users::{prefixed_user_from_row, user_from_row, USER_COLUMNS};
use super::Store;
use crate::clock::{self, UnixSeconds};
use crate::domain::{Role, User, UserId, WaId};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

/// A chat's assignment: a user, a group, both or neither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Assignment {
    pub user: Option<UserId>,
    pub group: Option<GroupId>,
}

/// A change asked for: `None` leaves that part as it is, `Some(None)` clears it.
#[derive(Clone, Copy, Debug, Default)]
pub struct AssignmentChange {
    pub user: Option<Option<UserId>>,
    pub group: Option<Option<GroupId>>,
}

/// A user as an event names them: the name they had then, and the user if they still exist.
#[derive(Clone, Debug)]
pub struct AssignedUser {
    pub id: UserId,
    pub username: String,
    pub current: Option<User>,
}

/// One line of a chat's assignment history.
#[derive(Clone, Debug)]
pub struct AssignmentEvent {
    pub id: i64,
    pub wa_id: String,
    pub from_user: Option<AssignedUser>,
    pub to_user: Option<AssignedUser>,
    pub from_group: Option<Group>,
    pub to_group: Option<Group>,
    /// `None` when the instance assigned the chat itself, or the person is deleted since.
    pub done_by: Option<User>,
    /// The instance assigned the chat itself (round-robin of a new conversation).
    pub automatic: bool,
    pub timestamp: UnixSeconds,
}

impl AssignmentEvent {
    pub fn user_changed(&self) -> bool {
        self.from_user.as_ref().map(|u| u.id) != self.to_user.as_ref().map(|u| u.id)
    }

    pub fn group_changed(&self) -> bool {
        self.from_group.as_ref().map(|g| g.id) != self.to_group.as_ref().map(|g| g.id)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    #[error("Not found.")]
    NoSuchChat,
    #[error("There is no such user.")]
    NoSuchUser(UserId),
    #[error("The configurator cannot be assigned chats.")]
    NotAPerson,
    #[error("There is no such group.")]
    NoSuchGroup(GroupId),
    #[error("This user is not a member of the group.")]
    NotInGroup,
    /// See [`User::may_reassign_chat_held_by`].
    #[error("This chat is already assigned to another user.")]
    HeldByAnother,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AssignError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// What an assignment request did: the chat's assignment now, and the history row of the change
/// (`None` when it changed nothing).
#[derive(Debug)]
pub struct Assigned {
    pub assignment: Assignment,
    pub event: Option<AssignmentEvent>,
}

/// The chat's assignment with the names of who it is assigned to.
const CURRENT_SELECT: &str = "SELECT c.assigned_user_id AS user_id, u.username AS user_name, \
     c.assigned_group_id AS group_id, g.name AS group_name FROM chats c \
     LEFT JOIN users u ON u.id = c.assigned_user_id \
     LEFT JOIN agent_groups g ON g.id = c.assigned_group_id WHERE c.wa_id = ?";

const EVENT_SELECT: &str = "SELECT e.id, e.wa_id, e.automatic, e.timestamp, \
     e.previous_user_id, e.previous_user_name, e.previous_group_id, e.previous_group_name, \
     e.assigned_user_id, e.assigned_user_name, e.assigned_group_id, e.assigned_group_name, \
     d.id AS d_id, d.username AS d_username, d.email AS d_email, d.role AS d_role, \
     d.date_joined AS d_date_joined, d.is_available AS d_is_available, \
     p.id AS p_id, p.username AS p_username, p.email AS p_email, p.role AS p_role, \
     p.date_joined AS p_date_joined, p.is_available AS p_is_available, \
     a.id AS a_id, a.username AS a_username, a.email AS a_email, a.role AS a_role, \
     a.date_joined AS a_date_joined, a.is_available AS a_is_available \
     FROM chat_assignment_events e \
     LEFT JOIN users d ON d.id = e.done_by \
     LEFT JOIN users p ON p.id = e.previous_user_id \
     LEFT JOIN users a ON a.id = e.assigned_user_id";

/// Which part of a chat's history to list.
#[derive(Debug, Default)]
pub struct AssignmentEventFilter {
    pub since: Option<UnixSeconds>,
    pub before: Option<UnixSeconds>,
}

impl Store {
    /// The chat's assignment; `None` if there is no such chat.
    pub async fn assignment(&self, wa_id: &WaId) -> anyhow::Result<Option<Assignment>> {
        let mut conn = self.pool.acquire().await?;
        let current = current(&mut conn, wa_id).await?;
        Ok(current.map(|c| c.assignment()))
    }

    /// Changes who handles a chat, as `by`. The user must be a person (not the configurator) and,
    /// with a group, one of its members.
    pub async fn assign_chat(
        &self,
        wa_id: &WaId,
        change: AssignmentChange,
        by: &User,
    ) -> Result<Assigned, AssignError> {
        // IMMEDIATE: the read below already holds the write lock, so nothing changes the chat
        // between reading its assignment and writing the new one.
        let mut tx = self.begin_immediate().await?;
        let before = current(&mut tx, wa_id)
            .await?
            .ok_or(AssignError::NoSuchChat)?;
        if !by.may_reassign_chat_held_by(before.user.as_ref().map(|u| u.id)) {
            return Err(AssignError::HeldByAnother);
        }
        let was = before.assignment();
        let wanted = Assignment {
            user: change.user.unwrap_or(was.user),
            group: change.group.unwrap_or(was.group),
        };
        if wanted == was {
            return Ok(Assigned {
                assignment: was,
                event: None,
            });
        }
        let to_user = match wanted.user {
            Some(id) => Some(assignable_user(&mut tx, id).await?),
            None => None,
        };
        let to_group = match wanted.group {
            Some(id) => Some(
                group(&mut tx, id)
                    .await?
                    .ok_or(AssignError::NoSuchGroup(id))?,
            ),
            None => None,
        };
        if let (Some(user), Some(group)) = (&to_user, &to_group) {
            if !is_member(&mut tx, group.id, user.id).await? {
                return Err(AssignError::NotInGroup);
            }
        }
        let after = Current {
            user: to_user.map(named),
            group: to_group,
        };
        let event = write(&mut tx, wa_id, &before, after, Some(by), false).await?;
        tx.commit().await?;
        Ok(Assigned {
            assignment: wanted,
            event: Some(event),
        })
    }

    /// A chat's assignment history, newest first, and how many events match in all.
    pub async fn assignment_events(
        &self,
        wa_id: &WaId,
        filter: &AssignmentEventFilter,
        limit: u32,
        offset: u32,
    ) -> anyhow::Result<(u32, Vec<AssignmentEvent>)> {
        let mut count =
            QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM chat_assignment_events e");
        push_event_filter(&mut count, wa_id, filter);
        let total: u32 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut page = QueryBuilder::<Sqlite>::new(EVENT_SELECT);
        push_event_filter(&mut page, wa_id, filter);
        page.push(" ORDER BY e.timestamp DESC, e.id DESC LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = page.build().fetch_all(&self.pool).await?;
        let events = rows
            .iter()
            .map(event_from_row)
            .collect::<anyhow::Result<_>>()?;
        Ok((total, events))
    }
}

/// Takes a user who is being deleted off every chat assigned to them, each in that chat's
/// history as done by `by`; in the caller's transaction, before the user's row goes.
pub(crate) async fn unassign_user(
    conn: &mut SqliteConnection,
    user: UserId,
    by: &User,
) -> anyhow::Result<Vec<AssignmentEvent>> {
    let wa_ids: Vec<String> = sqlx::query_scalar(
        "SELECT wa_id FROM chats WHERE assigned_user_id = ? ORDER BY last_message_at DESC, wa_id",
    )
    .bind(user.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut events = Vec::with_capacity(wa_ids.len());
    for wa_id in wa_ids {
        let wa_id =
            WaId::parse(&wa_id).ok_or_else(|| anyhow::anyhow!("stored chat number {wa_id:?}"))?;
        let Some(before) = current(conn, &wa_id).await? else {
            continue;
        };
        let after = Current {
            user: None,
            group: before.group.clone(),
        };
        events.push(write(conn, &wa_id, &before, after, Some(by), false).await?);
    }
    Ok(events)
}

/// Takes a group that is being deleted off every chat assigned to it (they keep their user), each
/// in that chat's history as done by `by`; in the caller's transaction, before the group's row goes.
pub(crate) async fn unassign_group(
    conn: &mut SqliteConnection,
    group: GroupId,
    by: &User,
) -> anyhow::Result<Vec<AssignmentEvent>> {
    let wa_ids: Vec<String> = sqlx::query_scalar(
        "SELECT wa_id FROM chats WHERE assigned_group_id = ? ORDER BY last_message_at DESC, wa_id",
    )
    .bind(group.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut events = Vec::with_capacity(wa_ids.len());
    for wa_id in wa_ids {
        let wa_id =
            WaId::parse(&wa_id).ok_or_else(|| anyhow::anyhow!("stored chat number {wa_id:?}"))?;
        let Some(before) = current(conn, &wa_id).await? else {
            continue;
        };
        let after = Current {
            user: before.user.clone(),
            group: None,
        };
        events.push(write(conn, &wa_id, &before, after, Some(by), false).await?);
    }
    Ok(events)
}

/// Round-robin for a conversation that starts: when the admin named a group for it, the chat goes
/// to that group and to its next available member by id after the one who got the last chat
/// (none available: the group alone). In the caller's transaction, so concurrent webhooks take
/// turns. `None` when round-robin is off or the chat is already assigned.
pub(crate) async fn auto_assign(
    conn: &mut SqliteConnection,
    wa_id: &WaId,
) -> anyhow::Result<Option<AssignmentEvent>> {
    let settings = sqlx::query(
        "SELECT g.id, g.name, s.last_auto_assigned_user_id AS last FROM team_settings s
         JOIN agent_groups g ON g.id = s.auto_assign_group_id WHERE s.id = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(settings) = settings else {
        return Ok(None);
    };
    let group = super::groups::group_from_row(&settings);
    let last: Option<i64> = settings.get("last");
    let Some(before) = current(conn, wa_id).await? else {
        return Ok(None);
    };
    if before.user.is_some() || before.group.is_some() {
        return Ok(None);
    }
    let next = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE is_available = 1 AND role <> 'configurator'
             AND id IN (SELECT user_id FROM group_members WHERE group_id = ?1)
         ORDER BY id <= COALESCE(?2, 0), id LIMIT 1"
    ))
    .bind(group.id.0)
    .bind(last)
    .fetch_optional(&mut *conn)
    .await?;
    let next = next.as_ref().map(user_from_row).transpose()?;
    if let Some(user) = &next {
        sqlx::query("UPDATE team_settings SET last_auto_assigned_user_id = ? WHERE id = 1")
            .bind(user.id.0)
            .execute(&mut *conn)
            .await?;
    }
    let after = Current {
        user: next.map(named),
        group: Some(group),
    };
    Ok(Some(write(conn, wa_id, &before, after, None, true).await?))
}

/// A chat's assignment as it is, with names.
#[derive(Clone, Debug)]
struct Current {
    user: Option<AssignedUser>,
    group: Option<Group>,
}

impl Current {
    fn assignment(&self) -> Assignment {
        Assignment {
            user: self.user.as_ref().map(|u| u.id),
            group: self.group.as_ref().map(|g| g.id),
        }
    }
}

async fn current(conn: &mut SqliteConnection, wa_id: &WaId) -> anyhow::Result<Option<Current>> {
    let row = sqlx::query(CURRENT_SELECT)
        .bind(wa_id.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|row| Current {
        user: row.get::<Option<i64>, _>("user_id").map(|id| AssignedUser {
            id: UserId(id),
            username: row.get("user_name"),
            current: None,
        }),
        group: row.get::<Option<i64>, _>("group_id").map(|id| Group {
            id: GroupId(id),
            name: row.get("group_name"),
        }),
    }))
}

/// Writes the chat's new assignment and its history row.
async fn write(
    conn: &mut SqliteConnection,
    wa_id: &WaId,
    before: &Current,
    after: Current,
    by: Option<&User>,
    automatic: bool,
) -> anyhow::Result<AssignmentEvent> {
    let to = after.assignment();
    sqlx::query("UPDATE chats SET assigned_user_id = ?, assigned_group_id = ? WHERE wa_id = ?")
        .bind(to.user.map(|u| u.0))
        .bind(to.group.map(|g| g.0))
        .bind(wa_id.as_str())
        .execute(&mut *conn)
        .await?;
    let now = clock::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO chat_assignment_events (wa_id, previous_user_id, previous_user_name,
             previous_group_id, previous_group_name, assigned_user_id, assigned_user_name,
             assigned_group_id, assigned_group_name, done_by, automatic, timestamp)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(wa_id.as_str())
    .bind(before.user.as_ref().map(|u| u.id.0))
    .bind(before.user.as_ref().map(|u| u.username.as_str()))
    .bind(before.group.as_ref().map(|g| g.id.0))
    .bind(before.group.as_ref().map(|g| g.name.as_str()))
    .bind(after.user.as_ref().map(|u| u.id.0))
    .bind(after.user.as_ref().map(|u| u.username.as_str()))
    .bind(after.group.as_ref().map(|g| g.id.0))
    .bind(after.group.as_ref().map(|g| g.name.as_str()))
    .bind(by.map(|u| u.id.0))
    .bind(automatic)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(AssignmentEvent {
        id,
        wa_id: wa_id.as_str().to_owned(),
        from_user: before.user.clone(),
        to_user: after.user,
        from_group: before.group.clone(),
        to_group: after.group,
        done_by: by.cloned(),
        automatic,
        timestamp: now,
    })
}

/// The user to assign: one that exists and is a person.
async fn assignable_user(conn: &mut SqliteConnection, id: UserId) -> Result<User, AssignError> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    let user = user_from_row(&row.ok_or(AssignError::NoSuchUser(id))?)?;
    if user.role == Role::Configurator {
        return Err(AssignError::NotAPerson);
    }
    Ok(user)
}

async fn group(conn: &mut SqliteConnection, id: GroupId) -> anyhow::Result<Option<Group>> {
    let row = sqlx::query("SELECT id, name FROM agent_groups WHERE id = ?")
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(super::groups::group_from_row))
}

async fn is_member(
    conn: &mut SqliteConnection,
    group: GroupId,
    user: UserId,
) -> anyhow::Result<bool> {
    let member = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?)",
    )
    .bind(group.0)
    .bind(user.0)
    .fetch_one(conn)
    .await?;
    Ok(member)
}

fn named(user: User) -> AssignedUser {
    AssignedUser {
        id: user.id,
        username: user.username.as_str().to_owned(),
        current: Some(user),
    }
}

fn push_event_filter(
    query: &mut QueryBuilder<'_, Sqlite>,
    wa_id: &WaId,
    filter: &AssignmentEventFilter,
) {
    query
        .push(" WHERE e.wa_id = ")
        .push_bind(wa_id.as_str().to_owned());
    if let Some(since) = filter.since {
        query.push(" AND e.timestamp >= ").push_bind(since);
    }
    if let Some(before) = filter.before {
        query.push(" AND e.timestamp < ").push_bind(before);
    }
}

fn event_from_row(row: &SqliteRow) -> anyhow::Result<AssignmentEvent> {
    let user = |prefix: &str, id: &str, name: &str| -> anyhow::Result<Option<AssignedUser>> {
        let Some(id) = row.get::<Option<i64>, _>(id) else {
            return Ok(None);
        };
        let current = match row.get::<Option<i64>, _>(format!("{prefix}id").as_str()) {
            Some(_) => Some(prefixed_user_from_row(row, prefix)?),
            None => None,
        };
        Ok(Some(AssignedUser {
            id: UserId(id),
            username: row.get::<Option<String>, _>(name).unwrap_or_default(),
            current,
        }))
    };
    let group = |id: &str, name: &str| {
        row.get::<Option<i64>, _>(id).map(|id| Group {
            id: GroupId(id),
            name: row.get::<Option<String>, _>(name).unwrap_or_default(),
        })
    };
    let done_by = match row.get::<Option<i64>, _>("d_id") {
        Some(_) => Some(prefixed_user_from_row(row, "d_")?),
        None => None,
    };
    Ok(AssignmentEvent {
        id: row.get("id"),
        wa_id: row.get("wa_id"),
        from_user: user("p_", "previous_user_id", "previous_user_name")?,
        to_user: user("a_", "assigned_user_id", "assigned_user_name")?,
        from_group: group("previous_group_id", "previous_group_name"),
        to_group: group("assigned_group_id", "assigned_group_name"),
        done_by,
        automatic: row.get("automatic"),
        timestamp: row.get("timestamp"),
    })
}
