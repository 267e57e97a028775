//! The limit of human users (admins and agents) on one instance.

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
