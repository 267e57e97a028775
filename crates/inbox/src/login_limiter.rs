//! Failed sign-ins (in memory: a restart forgets them, which only helps the instance's own users).
//!
//! Within 15 minutes of the first of them:
//! - 5 failures for one user name from one address lock that name at that address;
//! - 20 failures from one address, whatever the names, lock that address;
//! - failures for one name from anywhere never lock it (strangers could then lock out a user),
//!   but slow every attempt for it: beyond the first 2, each adds 250 ms, at most 3 s. The
//!   address's own failures slow its attempts the same way.
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
const FREE_FAILURES: u32 = 2;
const DELAY_STEP: Duration = Duration::from_millis(250);
pub const MAX_DELAY: Duration = Duration::from_secs(3);
/// Beyond this many tracked keys, expired ones are dropped: memory stays bounded.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Username(String),
    UsernameAt(String, IpAddr),
    Address(IpAddr),
}

struct Failures {
    count: u32,
    since: Instant,
}

/// What an attempt may do.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password after this delay.
    Proceed { delay: Duration },
    /// Refused without a check for this long (nothing counted).
    Locked { retry_after: Duration },
}

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<Key, Failures>>,
}

impl LoginLimiter {
    /// Counts an attempt as failed unless it is given back.
    pub fn begin(&self, username: &str, address: IpAddr) -> Verdict {
        self.begin_at(username, address, Instant::now())
    }

    /// A right password clears the name's failures at this address, and gives the name and the
    /// address their attempt back.
    pub fn record_success(&self, username: &str, address: IpAddr) {
        let mut failures = self.lock();
        let name = normalized(username);
        failures.remove(&Key::UsernameAt(name.clone(), address));
        for key in [Key::Username(name), Key::Address(address)] {
            if let Some(entry) = failures.get_mut(&key) {
                entry.count = entry.count.saturating_sub(1);
            }
        }
    }

    fn begin_at(&self, username: &str, address: IpAddr, now: Instant) -> Verdict {
        let name = normalized(username);
        let mut failures = self.lock();
        let live = |key: &Key| {
            failures
                .get(key)
                .filter(|f| f.since + WINDOW > now)
                .map(|f| (f.count, f.since + WINDOW - now))
        };
        let locks = [
            (
                Key::UsernameAt(name.clone(), address),
                FAILURES_PER_USERNAME,
            ),
            (Key::Address(address), FAILURES_PER_ADDRESS),
        ];
        let retry_after = locks
            .iter()
            .filter_map(|(key, limit)| live(key).filter(|(count, _)| count >= limit))
            .map(|(_, left)| left)
            .max();
        if let Some(retry_after) = retry_after {
            return Verdict::Locked { retry_after };
        }
        let slowing = [Key::Username(name.clone()), Key::Address(address)]
            .iter()
            .filter_map(|key| live(key).map(|(count, _)| count))
            .max()
            .unwrap_or(0);
        let steps = slowing.saturating_sub(FREE_FAILURES);
        let delay = DELAY_STEP.saturating_mul(steps).min(MAX_DELAY);
        Self::count(&mut failures, name, address, now);
        Verdict::Proceed { delay }
    }

    fn count(failures: &mut HashMap<Key, Failures>, name: String, address: IpAddr, now: Instant) {
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, f| f.since + WINDOW > now);
        }
        let keys = [
            Key::UsernameAt(name.clone(), address),
            Key::Username(name),
            Key::Address(address),
        ];
        for key in keys {
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

fn normalized(username: &str) -> String {
    username.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7));
    const OFFICE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 1));

    fn stranger(i: u8) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, i))
    }

    fn locked(verdict: Verdict) -> bool {
        matches!(verdict, Verdict::Locked { .. })
    }

    #[test]
    fn the_fifth_attempt_for_a_name_locks_it_at_that_address_for_the_window() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for _ in 0..FAILURES_PER_USERNAME {
            assert!(!locked(limiter.begin_at("Ana", HOME, start)));
        }
        let verdict = limiter.begin_at("ANA", HOME, start);
        assert_eq!(
            verdict,
            Verdict::Locked {
                retry_after: WINDOW
            }
        );
        assert!(!locked(limiter.begin_at("ana", OFFICE, start)));
        assert!(!locked(limiter.begin_at("ana", HOME, start + WINDOW)));
    }

    #[test]
    fn strangers_failing_for_a_name_slow_it_down_but_never_lock_it() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for i in 0..40 {
            limiter.begin_at("ana", stranger(i), now);
        }
        let verdict = limiter.begin_at("ana", OFFICE, now);
        assert_eq!(verdict, Verdict::Proceed { delay: MAX_DELAY });
    }

    #[test]
    fn the_first_failures_cost_no_delay_and_later_ones_grow_it() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        let delays: Vec<_> = (0..5)
            .map(|i| match limiter.begin_at("ana", stranger(i), now) {
                Verdict::Proceed { delay } => delay.as_millis(),
                Verdict::Locked { .. } => u128::MAX,
            })
            .collect();
        assert_eq!(delays, [0, 0, 0, 250, 500]);
    }

    #[test]
    fn a_refused_attempt_is_not_counted() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..FAILURES_PER_USERNAME + 10 {
            limiter.begin_at("ana", HOME, now);
        }
        assert!(!locked(limiter.begin_at("bruno", HOME, now)));
    }

    #[test]
    fn many_failures_from_one_address_lock_that_address_out_for_every_name() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for i in 0..FAILURES_PER_ADDRESS {
            assert!(!locked(limiter.begin_at(&format!("user{i}"), HOME, now)));
        }
        assert!(locked(limiter.begin_at("someone-else", HOME, now)));
        assert!(!locked(limiter.begin_at("someone-else", OFFICE, now)));
    }

    #[test]
    fn a_right_password_gives_back_its_attempt_and_forgets_the_names_failures_there() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..FAILURES_PER_USERNAME {
            limiter.begin_at("ana", HOME, now);
        }
        limiter.record_success("ana", HOME);
        for _ in 0..FAILURES_PER_USERNAME - 1 {
            limiter.begin_at("ana", HOME, now);
        }
        assert!(!locked(limiter.begin_at("ana", HOME, now)));
    }
}
