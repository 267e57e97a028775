//! Query-string values as get.chat's clients send them.

use super::error::ApiError;
use crate::domain::WaId;

/// `true`, `True`, `1` and `yes` are true; anything else is false.
pub fn truthy(raw: Option<&str>) -> bool {
    raw.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

/// `true`/`false` (and `1`/`0`), or no filter.
pub fn tristate(raw: Option<&str>) -> Option<bool> {
    match raw?.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// A number in a path: an unknown one is simply not found.
pub fn wa_id_in_path(raw: &str) -> Result<WaId, ApiError> {
    WaId::parse(raw).ok_or(ApiError::NotFound)
}

/// Unix seconds, fractions allowed (get.chat's clients send them so); whole seconds are kept.
pub fn seconds(raw: Option<&str>) -> Option<i64> {
    raw.and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .map(|v| v.floor() as i64)
}
