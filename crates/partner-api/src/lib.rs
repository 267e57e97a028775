//! The control plane of the Partner API: it deploys one single-tenant inbox per WhatsApp business
//! phone number and tells the partner when it is ready.
#![forbid(unsafe_code)]

pub mod api;
pub mod cli;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod d360;
pub mod delivery;
pub mod deploy;
pub mod domain;
pub mod images;
pub mod limits;
pub mod metrics;
pub mod public_urls;
pub mod router;
pub mod sandbox;
pub mod startup;
pub mod store;
pub mod telemetry;
