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
