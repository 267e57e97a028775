//! The limit of human users (admins and agents) on one instance.

use super::schema;
use utoipa::openapi::schema::Schema;

pub const MAX_SEATS: i64 = instance_contract::seats::MAX_SEATS as i64;
pub const DEFAULT_SEATS: i64 = instance_contract::seats::DEFAULT_SEATS as i64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeatCount(u32);

impl SeatCount {
    pub fn new(value: i64) -> Result<Self, String> {
        if value < 1 {
            return Err("Input should be greater than or equal to 1".into());
        }
        if value > MAX_SEATS {
            return Err(format!("Input should be less than or equal to {MAX_SEATS}"));
        }
        Ok(Self(value as u32))
    }

    /// As a request field: absent or `null` is the default.
    pub fn field_schema() -> Schema {
        schema::nullable(Self::value_schema())
    }

    pub fn value_schema() -> Schema {
        schema::lax_integer(
            1..=MAX_SEATS,
            &format!("Most human users (admins and agents) at once: 1 to {MAX_SEATS}."),
        )
        .into()
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for SeatCount {
    fn default() -> Self {
        Self(DEFAULT_SEATS as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_range_from_one_to_the_documented_maximum() {
        assert_eq!(SeatCount::new(1).unwrap().get(), 1);
        assert_eq!(SeatCount::new(MAX_SEATS).unwrap().get(), 1000);
        assert!(SeatCount::new(0).is_err());
        assert!(SeatCount::new(-3).is_err());
        assert!(SeatCount::new(MAX_SEATS + 1).is_err());
        assert_eq!(SeatCount::default().get(), 5);
    }
}
