//! One single-tenant inbox instance: its own SQLite database, users, activation link, admin panel
//! and web inbox. It knows nothing of partners: the control plane writes its bootstrap file, starts
//! it and talks to it only over HTTP.
#![forbid(unsafe_code)]

pub use instance_contract::bootstrap;

pub mod accounts;
pub mod api;
pub mod cli;
pub mod client_addr;
pub mod clock;
pub mod cors;
pub mod domain;
pub mod lifetime;
pub mod login_limiter;
pub mod messaging;
pub mod misdirected;
pub mod password;
pub mod provision;
pub mod push;
pub mod quiet;
pub mod secret;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod web;
pub mod web_root;
pub mod wipe;
