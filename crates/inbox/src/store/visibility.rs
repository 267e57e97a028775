//! Which chats a user may see and write to, under the admin's `agent_chat_visibility`.
//!
//! One SQL predicate serves both the single-chat check and the chat list, so the two cannot
//! disagree. An invisible chat and a chat that does not exist look the same to an agent.

use super::team_settings::ChatVisibility;
use super::Store;
use crate::domain::{Role, User, UserId, WaId};
use sqlx::{QueryBuilder, Sqlite};

/// The chats one user may see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChatScope {
    #[default]
    Every,
    /// Assigned to the user, or to a group the user belongs to.
    MineOrMyGroups(UserId),
    /// Assigned to the user.
    Mine(UserId),
}

impl ChatScope {
    /// Appends ` AND <predicate on the chats alias c>` to a query.
    pub(crate) fn push_predicate(self, query: &mut QueryBuilder<'_, Sqlite>) {
        match self {
            Self::Every => {}
            Self::Mine(user) => {
                query.push(" AND c.assigned_user_id = ").push_bind(user.0);
            }
            Self::MineOrMyGroups(user) => {
                query
                    .push(" AND (c.assigned_user_id = ")
                    .push_bind(user.0)
                    .push(
                        " OR c.assigned_group_id IN \
                         (SELECT group_id FROM group_members WHERE user_id = ",
                    )
                    .push_bind(user.0)
                    .push("))");
            }
        }
    }
}

impl Store {
    /// The chats this user may see under the admin's current setting; admins see all.
    pub async fn chat_scope_of(&self, user: &User) -> anyhow::Result<ChatScope> {
        if user.role != Role::Agent {
            return Ok(ChatScope::Every);
        }
        Ok(match self.team_settings().await?.agent_chat_visibility {
            ChatVisibility::All => ChatScope::Every,
            ChatVisibility::Groups => ChatScope::MineOrMyGroups(user.id),
            ChatVisibility::Own => ChatScope::Mine(user.id),
        })
    }

    /// Whether this user may see and write to this chat under the admin's setting
    /// (admins: all; agents: all | chats assigned to them or to one of their groups | only theirs).
    /// Under a restricting setting a chat that does not exist is not visible either.
    pub async fn chat_visible_to(&self, user: &User, wa_id: &WaId) -> anyhow::Result<bool> {
        let scope = self.chat_scope_of(user).await?;
        if scope == ChatScope::Every {
            return Ok(true);
        }
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT EXISTS (SELECT 1 FROM chats c WHERE c.wa_id = ");
        query.push_bind(wa_id.as_str());
        scope.push_predicate(&mut query);
        query.push(")");
        let visible: bool = query.build_query_scalar().fetch_one(&self.pool).await?;
        Ok(visible)
    }
}
