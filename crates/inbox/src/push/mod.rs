//! The push channel: every change worth showing goes to every connected websocket at once.

mod hub;
mod session;
mod socket;

pub use hub::{Connection, Hub};
pub use socket::{accept_page_socket, router, upgrade_at_root};
