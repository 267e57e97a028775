use super::{Role, Username};
use crate::clock::UnixSeconds;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub i64);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    /// Empty when the user has none, as in Django.
    pub email: String,
    pub role: Role,
    pub date_joined: UnixSeconds,
    /// Takes new conversations (round-robin) and shows as available to the team.
    pub is_available: bool,
}

impl User {
    /// An agent may change only a chat that is assigned to nobody or to them (as in get.chat);
    /// admins any.
    pub fn may_reassign_chat_held_by(&self, held_by: Option<UserId>) -> bool {
        self.role != Role::Agent || held_by.is_none_or(|holder| holder == self.id)
    }
}
