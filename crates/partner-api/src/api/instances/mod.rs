//! `/v1/instances`: Create Instance, and the lifecycle extensions (list, get and wait, update,
//! delete, a fresh activation link).

pub mod activation;
pub mod change;
pub mod create;
pub mod object;
pub mod read;

use super::error::ApiError;
use crate::domain::InstanceId;

/// A malformed id is simply an instance that does not exist.
fn instance_id(raw: &str) -> Result<InstanceId, ApiError> {
    InstanceId::parse(raw).ok_or(ApiError::InstanceNotFound)
}
