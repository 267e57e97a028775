//! Failed sign-ins, counted per user name and per client address (in memory: a restart forgets
//! them, which only helps the instance's own users).
//!
//! After 5 failures for one user name, or 20 from one address, within 15 minutes of the first of
//! them, sign-ins for that name or from that address are refused until those 15 minutes are over.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const FAILURES_PER_USERNAME: u32 = 5;
pub const FAILURES_PER_ADDRESS: u32 = 20;
/// Beyond this many tracked keys, expired ones are dropped: memory stays bounded.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Username(String),
    Address(IpAddr),
}

struct Failures {
    count: u32,
    since: Instant,
}

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<Key, Failures>>,
}

impl LoginLimiter {
    /// `Err(wait)` while this name or address is locked out.
    pub fn check(&self, username: &str, address: IpAddr) -> Result<(), Duration> {
        self.check_at(username, address, Instant::now())
    }

    pub fn record_failure(&self, username: &str, address: IpAddr) {
        self.record_failure_at(username, address, Instant::now());
    }

    /// A right password clears the name's failures, not the address's.
    pub fn record_success(&self, username: &str) {
        self.lock().remove(&username_key(username));
    }

    fn check_at(&self, username: &str, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let failures = self.lock();
        let keys = [
            (username_key(username), FAILURES_PER_USERNAME),
            (Key::Address(address), FAILURES_PER_ADDRESS),
        ];
        let wait = keys
            .iter()
            .filter_map(|(key, limit)| {
                let entry = failures.get(key)?;
                let ends = entry.since + WINDOW;
                (entry.count >= *limit && ends > now).then(|| ends - now)
            })
            .max();
        wait.map_or(Ok(()), Err)
    }

    fn record_failure_at(&self, username: &str, address: IpAddr, now: Instant) {
        let mut failures = self.lock();
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, f| f.since + WINDOW > now);
        }
        for key in [username_key(username), Key::Address(address)] {
            let entry = failures.entry(key).or_insert(Failures {
                count: 0,
                since: now,
            });
            if entry.since + WINDOW <= now {
                *entry = Failures {
                    count: 0,
                    since: now,
                };
            }
            entry.count += 1;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Failures>> {
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn username_key(username: &str) -> Key {
    Key::Username(username.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7));
    const OFFICE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 1));

    #[test]
    fn the_fifth_failure_for_a_name_locks_it_out_from_every_address_for_the_window() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for _ in 0..4 {
            limiter.record_failure_at("Ana", HOME, start);
        }
        assert!(limiter.check_at("ana", OFFICE, start).is_ok());
        limiter.record_failure_at("ana", HOME, start);
        let wait = limiter.check_at("ANA", OFFICE, start).unwrap_err();
        assert_eq!(wait, WINDOW);
        assert!(limiter.check_at("bruno", OFFICE, start).is_ok());
        assert!(limiter.check_at("ana", OFFICE, start + WINDOW).is_ok());
    }

    #[test]
    fn many_failures_from_one_address_lock_that_address_out_for_every_name() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for i in 0..FAILURES_PER_ADDRESS {
            limiter.record_failure_at(&format!("user{i}"), HOME, now);
        }
        assert!(limiter.check_at("someone-else", HOME, now).is_err());
        assert!(limiter.check_at("someone-else", OFFICE, now).is_ok());
    }

    #[test]
    fn a_right_password_forgets_the_earlier_failures_of_that_name() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..4 {
            limiter.record_failure_at("ana", HOME, now);
        }
        limiter.record_success("ana");
        limiter.record_failure_at("ana", HOME, now);
        assert!(limiter.check_at("ana", HOME, now).is_ok());
    }
}
