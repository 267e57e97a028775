//! The rules of the product, free of HTTP and SQL.

mod channel;
pub mod create;
mod deployment_error;
mod email;
mod event_kind;
pub mod fields;
mod ids;
pub mod lifecycle;
mod outbound;
pub mod schema;
mod seats;
mod status;
mod subdomain;
mod timestamp;
pub mod update;
pub mod webhook;

pub use channel::{ChannelId, D360ApiKey};
pub use create::CreateInstance;
pub use deployment_error::DeploymentError;
pub use email::EmailAddress;
pub use event_kind::EventKind;
pub use fields::FieldIssue;
pub use ids::{prefixed_random_id, InstanceId, PartnerId};
pub use lifecycle::{Operation, Refusal, Transition};
pub use outbound::AddressPolicy;
pub use seats::{SeatCount, DEFAULT_SEATS, MAX_SEATS};
pub use status::InstanceStatus;
pub use subdomain::{Subdomain, SubdomainError};
pub use timestamp::Timestamp;
pub use update::UpdateInstance;
