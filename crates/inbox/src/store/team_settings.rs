//! The admin's settings of the team (one row): which chats agents see, and round-robin.

use super::groups::GroupId;
use super::Store;
use crate::domain::UserId;
use sqlx::Row;

/// Which chats an agent sees and writes to. Admins always see every chat.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChatVisibility {
    /// Every chat.
    #[default]
    All,
    /// Chats assigned to them or to a group they belong to.
    Groups,
    /// Only chats assigned to them.
    Own,
}

impl ChatVisibility {
    pub const EVERY: [Self; 3] = [Self::All, Self::Groups, Self::Own];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Groups => "groups",
            Self::Own => "own",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::EVERY.into_iter().find(|v| v.as_str() == raw.trim())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamSettings {
    pub agent_chat_visibility: ChatVisibility,
    /// New conversations go round-robin to this group's available agents; `None` = off.
    pub auto_assign_group: Option<GroupId>,
    pub last_auto_assigned_user: Option<UserId>,
}

/// What a change of the team settings sets; `None` keeps the stored value.
#[derive(Clone, Copy, Debug, Default)]
pub struct TeamSettingsChange {
    pub agent_chat_visibility: Option<ChatVisibility>,
    /// `Some(None)` turns round-robin off.
    pub auto_assign_group: Option<Option<GroupId>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TeamSettingsError {
    #[error("There is no such group.")]
    NoGroup(GroupId),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for TeamSettingsError {
    fn from(e: sqlx::Error) -> Self {
        Self::Other(e.into())
    }
}

impl Store {
    /// Applies every field of the change, or none of them; the settings as they are now.
    pub async fn change_team_settings(
        &self,
        change: TeamSettingsChange,
    ) -> Result<TeamSettings, TeamSettingsError> {
        let mut tx = self.begin_immediate().await?;
        if let Some(visibility) = change.agent_chat_visibility {
            sqlx::query("UPDATE team_settings SET agent_chat_visibility = ? WHERE id = 1")
                .bind(visibility.as_str())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(group) = change.auto_assign_group {
            let done = sqlx::query(
                "UPDATE team_settings SET auto_assign_group_id = ?1 WHERE id = 1
                 AND (?1 IS NULL OR EXISTS (SELECT 1 FROM agent_groups WHERE id = ?1))",
            )
            .bind(group.map(|g| g.0))
            .execute(&mut *tx)
            .await?;
            if let (0, Some(group)) = (done.rows_affected(), group) {
                return Err(TeamSettingsError::NoGroup(group));
            }
        }
        tx.commit().await?;
        Ok(self.team_settings().await?)
    }

    pub async fn team_settings(&self) -> anyhow::Result<TeamSettings> {
        let row = sqlx::query(
            "SELECT agent_chat_visibility, auto_assign_group_id, last_auto_assigned_user_id
             FROM team_settings WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(TeamSettings::default());
        };
        let visibility: String = row.get("agent_chat_visibility");
        Ok(TeamSettings {
            agent_chat_visibility: ChatVisibility::parse(&visibility)
                .ok_or_else(|| anyhow::anyhow!("stored chat visibility {visibility:?}"))?,
            auto_assign_group: row
                .get::<Option<i64>, _>("auto_assign_group_id")
                .map(GroupId),
            last_auto_assigned_user: row
                .get::<Option<i64>, _>("last_auto_assigned_user_id")
                .map(UserId),
        })
    }

    pub async fn set_chat_visibility(&self, visibility: ChatVisibility) -> anyhow::Result<()> {
        sqlx::query("UPDATE team_settings SET agent_chat_visibility = ? WHERE id = 1")
            .bind(visibility.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Turns round-robin on for a group, or off; false if the group does not exist.
    pub async fn set_auto_assign_group(&self, group: Option<GroupId>) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE team_settings SET auto_assign_group_id = ?1
             WHERE id = 1 AND (?1 IS NULL OR EXISTS (SELECT 1 FROM agent_groups WHERE id = ?1))",
        )
        .bind(group.map(|g| g.0))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
