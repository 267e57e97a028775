//! Failed sign-ins, counted per user name and per client address (in memory: a restart forgets
//! them, which only helps the instance's own users).
//!
//! After 5 failures for one user name, or 20 from one address, within 15 minutes of the first of
//! them, sign-ins for that name or from that address are refused until those 15 minutes are over.
//!
//! An attempt is counted by `begin`, under the lock that checks the limit and before the password
//! hash runs, so parallel guesses cannot all pass the check before any of them is recorded. A
//! right password gives its attempt back (`record_success`).

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
    /// Counts an attempt as failed unless it is given back; `Err(wait)` (nothing counted) while
    /// this name or address is locked out.
    pub fn begin(&self, username: &str, address: IpAddr) -> Result<(), Duration> {
        self.begin_at(username, address, Instant::now())
    }

    /// A right password clears the name's failures and gives the address its attempt back.
    pub fn record_success(&self, username: &str, address: IpAddr) {
        let mut failures = self.lock();
        failures.remove(&username_key(username));
        if let Some(entry) = failures.get_mut(&Key::Address(address)) {
            entry.count = entry.count.saturating_sub(1);
        }
    }

    fn begin_at(&self, username: &str, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut failures = self.lock();
        Self::wait(&failures, username, address, now).map_or(Ok(()), Err)?;
        Self::count(&mut failures, username, address, now);
        Ok(())
    }

    fn wait(
        failures: &HashMap<Key, Failures>,
        username: &str,
        address: IpAddr,
        now: Instant,
    ) -> Option<Duration> {
        let keys = [
            (username_key(username), FAILURES_PER_USERNAME),
            (Key::Address(address), FAILURES_PER_ADDRESS),
        ];
        keys.iter()
            .filter_map(|(key, limit)| {
                let entry = failures.get(key)?;
                let ends = entry.since + WINDOW;
                (entry.count >= *limit && ends > now).then(|| ends - now)
            })
            .max()
    }

    fn count(failures: &mut HashMap<Key, Failures>, username: &str, address: IpAddr, now: Instant) {
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
    fn the_fifth_attempt_for_a_name_locks_it_out_from_every_address_for_the_window() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for _ in 0..FAILURES_PER_USERNAME {
            assert!(limiter.begin_at("Ana", HOME, start).is_ok());
        }
        let wait = limiter.begin_at("ANA", OFFICE, start).unwrap_err();
        assert_eq!(wait, WINDOW);
        assert!(limiter.begin_at("bruno", OFFICE, start).is_ok());
        assert!(limiter.begin_at("ana", OFFICE, start + WINDOW).is_ok());
    }

    #[test]
    fn a_refused_attempt_is_not_counted() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..FAILURES_PER_USERNAME + 10 {
            let _ = limiter.begin_at("ana", HOME, now);
        }
        assert!(limiter.begin_at("bruno", HOME, now).is_ok());
    }

    #[test]
    fn many_failures_from_one_address_lock_that_address_out_for_every_name() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for i in 0..FAILURES_PER_ADDRESS {
            assert!(limiter.begin_at(&format!("user{i}"), HOME, now).is_ok());
        }
        assert!(limiter.begin_at("someone-else", HOME, now).is_err());
        assert!(limiter.begin_at("someone-else", OFFICE, now).is_ok());
    }

    #[test]
    fn a_right_password_gives_back_its_attempt_and_forgets_the_names_failures() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..FAILURES_PER_USERNAME - 1 {
            limiter.begin_at("ana", HOME, now).unwrap();
        }
        limiter.begin_at("ana", HOME, now).unwrap();
        limiter.record_success("ana", HOME);
        for _ in 0..FAILURES_PER_USERNAME - 1 {
            limiter.begin_at("ana", HOME, now).unwrap();
        }
        assert!(limiter.begin_at("ana", HOME, now).is_ok());
    }
}
