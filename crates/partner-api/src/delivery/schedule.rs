//! When a failed attempt is tried again: the retry schedule of the contract with ±20 % jitter, and
//! a receiver's `Retry-After`.

use rand::Rng;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

/// The longest delay one schedule entry or `--webhook-timeout` may ask for.
const MAX_SETTING: Duration = Duration::from_secs(7 * 24 * 3600);
/// A `Retry-After` postpones the next attempt by at most this much.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Delays before the 2nd, 3rd, … attempt; its length is the number of retries.
#[derive(Clone, Debug, PartialEq)]
pub struct RetrySchedule(Vec<Duration>);

impl RetrySchedule {
    pub fn new(delays: Vec<Duration>) -> Self {
        Self(delays)
    }

    pub fn retries(&self) -> usize {
        self.0.len()
    }

    /// The delay after attempt `attempt` (1-based) failed, or `None` when it was the last one.
    /// `retry_after` (the receiver's wish) can postpone the retry, up to [`MAX_RETRY_AFTER`], but
    /// never brings it earlier than the schedule, nor adds an attempt.
    pub fn delay_after(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let scheduled = *self.0.get(usize::try_from(attempt).ok()?.checked_sub(1)?)?;
        let jittered = scheduled.mul_f64(rand::thread_rng().gen_range(0.8..=1.2));
        Some(jittered.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER)))
    }
}

impl Default for RetrySchedule {
    fn default() -> Self {
        "5,300,1800,7200,18000,36000,36000"
            .parse()
            .expect("the default schedule parses")
    }
}

impl FromStr for RetrySchedule {
    type Err = String;

    /// Comma-separated seconds, decimals allowed (`0.05` is 50 ms); empty means no retry.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_seconds)
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// A duration given in seconds, decimals allowed: `15`, `0.5`.
pub fn parse_seconds(raw: &str) -> Result<Duration, String> {
    let seconds: f64 = raw
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a number of seconds"))?;
    if !seconds.is_finite() || seconds < 0.0 || seconds > MAX_SETTING.as_secs_f64() {
        return Err(format!(
            "{raw:?} must be between 0 and {} seconds",
            MAX_SETTING.as_secs()
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), as a delay from `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn the_default_schedule_is_the_contracts() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.retries(), 7);
        assert_eq!(schedule.0[0], secs(5.0));
        assert_eq!(schedule.0[6], secs(36000.0));
    }

    #[test]
    fn delays_vary_by_at_most_twenty_percent_and_end_with_the_schedule() {
        let schedule: RetrySchedule = "10,100".parse().unwrap();
        for _ in 0..200 {
            let first = schedule.delay_after(1, None).unwrap();
            assert!(first >= secs(8.0) && first <= secs(12.0), "{first:?}");
            let second = schedule.delay_after(2, None).unwrap();
            assert!(second >= secs(80.0) && second <= secs(120.0), "{second:?}");
        }
        assert_eq!(schedule.delay_after(3, None), None);
        assert_eq!(schedule.delay_after(0, None), None);
    }

    #[test]
    fn retry_after_postpones_within_its_bound_but_never_hastens() {
        let schedule: RetrySchedule = "0,100".parse().unwrap();
        assert_eq!(schedule.delay_after(1, Some(secs(2.0))), Some(secs(2.0)));
        assert_eq!(
            schedule.delay_after(1, Some(secs(1e6))),
            Some(MAX_RETRY_AFTER)
        );
        assert!(schedule.delay_after(2, Some(secs(1.0))).unwrap() >= secs(80.0));
        assert_eq!(schedule.delay_after(3, Some(secs(1.0))), None);
    }

    #[test]
    fn schedules_and_timeouts_parse_from_seconds_with_decimals() {
        let schedule: RetrySchedule = "0, 0.05,2".parse().unwrap();
        assert_eq!(
            schedule,
            RetrySchedule(vec![secs(0.0), secs(0.05), secs(2.0)])
        );
        assert_eq!("".parse::<RetrySchedule>().unwrap().retries(), 0);
        for bad in ["5,x", "-1", "NaN", "1e9"] {
            assert!(bad.parse::<RetrySchedule>().is_err(), "{bad}");
        }
        assert_eq!(parse_seconds("15"), Ok(secs(15.0)));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after("120", now), Some(secs(120.0)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now),
            Some(secs(60.0))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(secs(0.0))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
