//! One single-tenant inbox instance.
#![forbid(unsafe_code)]

pub mod bootstrap;
