//! 360Dialog: the client of its hub (partner) and messaging APIs, and the emulator of those same
//! HTTP endpoints that backs the sandbox and the tests.

mod client;
pub mod emulator;
mod phone_number;

pub use client::{D360Client, D360Error};
pub use phone_number::PhoneNumber;
