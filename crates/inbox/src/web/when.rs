//! Times as the inbox pages show them. They are in UTC, and each says so in its tooltip: the
//! pages run no script that could learn the browser's time zone, and the instance has none.

use crate::clock::{self, UnixSeconds};
use maud::{html, Markup};
use time::OffsetDateTime;

fn at(seconds: UnixSeconds) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `14:05`
pub fn clock_time(seconds: UnixSeconds) -> String {
    let t = at(seconds);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// For the chat list: the time today, then `Yesterday`, the day this year, or the date.
pub fn short(seconds: UnixSeconds, now: UnixSeconds) -> String {
    let (t, today) = (at(seconds), at(now).date());
    if t.date() == today {
        clock_time(seconds)
    } else if Some(t.date()) == today.previous_day() {
        "Yesterday".into()
    } else if t.year() == today.year() {
        format!("{} {}", t.day(), month_abbreviation(t.month()))
    } else {
        format!("{} {} {}", t.day(), month_abbreviation(t.month()), t.year())
    }
}

/// Above the first message of each day: `Today`, `Yesterday` or `Tuesday, 12 March 2024`.
pub fn day(seconds: UnixSeconds, now: UnixSeconds) -> String {
    let (t, today) = (at(seconds), at(now).date());
    if t.date() == today {
        "Today".into()
    } else if Some(t.date()) == today.previous_day() {
        "Yesterday".into()
    } else {
        format!("{}, {} {} {}", t.weekday(), t.day(), t.month(), t.year())
    }
}

/// A `time` element showing `text`, with the full date and time as its tooltip.
pub fn tag(seconds: UnixSeconds, text: &str) -> Markup {
    let t = at(seconds);
    let full = format!(
        "{}-{:02}-{:02} {} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        clock_time(seconds)
    );
    html! { time datetime=(clock::rfc3339(seconds)) title=(full) { (text) } }
}

fn month_abbreviation(month: time::Month) -> String {
    month.to_string().chars().take(3).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tuesday, 12 March 2024, 14:05:09 UTC.
    const NOW: UnixSeconds = 1_710_252_309;
    const DAY: UnixSeconds = 24 * 60 * 60;

    #[test]
    fn the_list_says_the_time_today_then_yesterday_then_the_date() {
        assert_eq!(short(NOW, NOW), "14:05");
        assert_eq!(short(NOW - DAY, NOW), "Yesterday");
        assert_eq!(short(NOW - 3 * DAY, NOW), "9 Mar");
        assert_eq!(short(NOW - 365 * DAY, NOW), "13 Mar 2023");
    }

    #[test]
    fn days_are_named_and_times_carry_their_zone() {
        assert_eq!(day(NOW, NOW), "Today");
        assert_eq!(day(NOW - 3 * DAY, NOW), "Saturday, 9 March 2024");
        let shown = tag(NOW, "14:05").into_string();
        assert!(shown.contains(r#"title="2024-03-12 14:05 UTC""#), "{shown}");
    }
}
