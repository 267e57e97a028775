//! The validated Update Instance request (extension).

use super::create::seats;
use super::fields::{not_an_object, FieldIssue, FieldReader};
use super::{D360ApiKey, SeatCount};
use serde_json::Value;
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

const FIELDS: [&str; 2] = ["d360_api_key", "max_number_of_seats"];

/// The changes a PATCH asks for; at least one.
#[derive(Clone, Debug)]
pub struct UpdateInstance {
    pub d360_api_key: Option<D360ApiKey>,
    pub max_number_of_seats: Option<SeatCount>,
}

impl UpdateInstance {
    /// Every problem reported; unknown fields are ignored.
    pub fn parse(body: &Value) -> Result<Self, Vec<FieldIssue>> {
        let Some(obj) = body.as_object() else {
            return Err(not_an_object());
        };
        let mut r = FieldReader::default();
        let d360_api_key = r.parsed(obj, &["d360_api_key"], D360ApiKey::parse);
        let max_number_of_seats = seats(&mut r, obj, &["max_number_of_seats"]);
        let asked = FIELDS
            .iter()
            .any(|f| obj.get(*f).is_some_and(|v| !v.is_null()));
        if !asked {
            r.push(
                &[],
                "Value error, give d360_api_key and/or max_number_of_seats",
                "value_error",
            );
        }
        r.finish(Self {
            d360_api_key,
            max_number_of_seats,
        })
    }
}

impl utoipa::PartialSchema for UpdateInstance {
    /// At least one change given, and not `null`; the other may be absent or `null`.
    fn schema() -> RefOr<Schema> {
        const KEY: &str = "A new 360Dialog API key; its phone number is checked again (701 if \
                           another instance holds it).";
        let object = || ObjectBuilder::new().schema_type(Type::Object);
        AnyOfBuilder::new()
            .description(Some(
                "The changes to apply, at least one of `d360_api_key` and `max_number_of_seats`. \
                 Unknown fields are ignored.",
            ))
            .item(
                object()
                    .property(FIELDS[0], D360ApiKey::value_schema(KEY))
                    .required(FIELDS[0])
                    .property(FIELDS[1], SeatCount::field_schema()),
            )
            .item(
                object()
                    .property(FIELDS[0], D360ApiKey::field_schema(KEY))
                    .property(FIELDS[1], SeatCount::value_schema())
                    .required(FIELDS[1]),
            )
            .into()
    }
}

impl utoipa::ToSchema for UpdateInstance {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_must_ask_for_something_valid() {
        assert!(UpdateInstance::parse(&json!({"max_number_of_seats": 3})).is_ok());
        assert!(UpdateInstance::parse(&json!({"d360_api_key": "k3y"})).is_ok());
        assert!(UpdateInstance::parse(&json!({})).is_err());
        assert!(UpdateInstance::parse(&json!({"d360_api_key": null})).is_err());
        assert!(UpdateInstance::parse(&json!({"other": 1})).is_err());
        assert!(UpdateInstance::parse(&json!({"max_number_of_seats": 0})).is_err());
        assert!(UpdateInstance::parse(&json!([])).is_err());
    }
}
