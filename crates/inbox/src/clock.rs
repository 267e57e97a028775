//! Time as the database stores it: Unix seconds.

use time::OffsetDateTime;

pub type UnixSeconds = i64;

pub fn now() -> UnixSeconds {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// RFC 3339, as Django REST framework writes dates; the epoch if the stored value is out of range.
pub fn rfc3339(at: UnixSeconds) -> String {
    let at = OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
