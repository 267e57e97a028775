//! What the control plane and an instance agree on. The control plane writes the bootstrap file
//! and calls the platform API; the instance reads and serves them. Every rule that decides whether
//! an instance can start from what a partner asked for lives here, so Create Instance refuses at
//! once what the instance would refuse later.
#![forbid(unsafe_code)]

pub mod bootstrap;
pub mod first_users;
pub mod limits;
pub mod origin;
pub mod seats;
mod username;

pub use username::{
    alphanumeric_class, Username, UsernameError, MAX_USERNAME_CHARS, USERNAME_PUNCTUATION,
};
