//! Reading the fields of a small JSON body as Django REST framework does.

use crate::api::ApiError;
use crate::domain::FieldErrors;
use serde_json::Value;

/// A required boolean (`true`/`false`, or DRF's `"true"`, `1`, …).
pub fn required_bool(body: &Value, field: &'static str) -> Result<bool, ApiError> {
    let parsed = match body.get(field) {
        None | Some(Value::Null) => Err("This field is required."),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err("Must be a valid boolean."),
        },
        Some(_) => Err("Must be a valid boolean."),
    };
    parsed.map_err(|message| invalid(field, message))
}

/// A required string, as sent (possibly blank).
pub fn required_str<'a>(body: &'a Value, field: &'static str) -> Result<&'a str, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Err(invalid(field, "This field is required.")),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(invalid(field, "Not a valid string.")),
    }
}

pub fn invalid(field: &'static str, message: &str) -> ApiError {
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    ApiError::Invalid(errors)
}
