use std::fmt;

pub use instance_contract::seats::MAX_SEATS;

/// The most human users (admins and agents) the instance admits.
///
/// When the limit is below the number of users (it was lowered), the seats go to the admins
/// first, then to the agents in the order they were added; the users past the limit keep their
/// accounts but cannot sign in until a seat frees up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeatLimit(u32);

impl SeatLimit {
    pub fn new(value: i64) -> Result<Self, String> {
        if value < 1 {
            return Err("Ensure this value is greater than or equal to 1.".into());
        }
        if value > i64::from(MAX_SEATS) {
            return Err(format!(
                "Ensure this value is less than or equal to {MAX_SEATS}."
            ));
        }
        Ok(Self(value as u32))
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// Whether one more user fits next to `in_use`.
    pub fn admits_another(self, in_use: u32) -> bool {
        in_use < self.0
    }

    /// Whether the user at `position` (0-based, in seat order) holds a seat.
    pub fn covers_position(self, position: u32) -> bool {
        position < self.0
    }
}

impl fmt::Display for SeatLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_range_from_one_to_the_maximum() {
        assert!(SeatLimit::new(0).is_err());
        assert!(SeatLimit::new(1001).is_err());
        assert_eq!(SeatLimit::new(1000).unwrap().get(), 1000);
    }

    #[test]
    fn a_full_instance_admits_nobody_and_covers_only_the_first_positions() {
        let limit = SeatLimit::new(2).unwrap();
        assert!(limit.admits_another(1));
        assert!(!limit.admits_another(2));
        assert!(limit.covers_position(1));
        assert!(!limit.covers_position(2));
    }
}
