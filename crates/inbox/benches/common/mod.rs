//! The pieces of the messaging benchmark: the instance process, what 360Dialog and the web inbox
//! exchange with it, the seeded inbox and the report.

pub mod instance;
pub mod load;
pub mod report;
pub mod seed;
/// The integration tests' own starter, so that the benchmark runs the instance as they do.
#[allow(dead_code)]
#[path = "../../tests/inbox/support/instance.rs"]
mod started;
pub mod whatsapp;
