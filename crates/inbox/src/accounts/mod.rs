//! What people do with accounts, the same for the JSON API and the web pages: add and remove
//! users within the seat limit, sign in, set a password.

mod error;
mod manage;
mod sign_in;

pub use error::AccountError;
pub use manage::{add_user, remove_user, set_password, NewUserInput};
pub use sign_in::sign_in;
