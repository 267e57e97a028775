//! The Partner API driven over HTTP, as a partner and an operator would.

mod support;

mod auth;
mod create_instance;
mod deployments;
mod health;
mod lifecycle;
mod operator_commands;
mod process;
mod processes;
