//! The limit of human users (admins and agents) on one instance.

/// Highest limit accepted: far above any single inbox team, low enough to stop a typo such as 50000.
pub const MAX_SEATS: u32 = 1000;
/// What an instance gets when the partner names no limit.
pub const DEFAULT_SEATS: u32 = 5;
