//! Instants as integer milliseconds since the Unix epoch (UTC).
//!
//! The document stores every time as an integer of milliseconds so that both phones
//! compare and order instants exactly, whatever their locale or time zone; time zones
//! only matter when the therapist's weekly hours are read, and live as IANA names.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{Error, Result};

/// One instant, in whole milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const MINUTE_MS: i64 = 60_000;
    pub const HOUR_MS: i64 = 60 * Self::MINUTE_MS;
    /// The earliest instant Coachline accepts: 0000-01-01T00:00:00Z.
    pub const EARLIEST: Timestamp = Timestamp(-62_167_219_200_000);
    /// The latest instant Coachline accepts: 9999-12-31T23:59:59.999Z.
    pub const LATEST: Timestamp = Timestamp(253_402_300_799_999);

    /// An instant from outside (an app, a peer's document), refused unless it lies in
    /// the years 0 to 9999: what RFC 3339 can write, and far inside the range where
    /// calendar arithmetic in the therapist's time zone cannot overflow.
    pub fn checked(field: &'static str, ms: i64) -> Result<Self> {
        Self(ms).check(field)
    }

    /// This instant, if it lies in the years 0 to 9999 (see [`Timestamp::checked`]).
    pub fn check(self, field: &'static str) -> Result<Self> {
        if (Self::EARLIEST..=Self::LATEST).contains(&self) {
            Ok(self)
        } else {
            Err(Error::invalid(
                field,
                "expected an instant in the years 0 to 9999",
            ))
        }
    }

    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// The system clock. Every API that records or decides also takes an explicit
    /// instant, so tests and the CLI's `--now` can move time.
    pub fn now() -> Self {
        Self(Utc::now().timestamp_millis())
    }

    /// Parses an RFC 3339 instant such as `2026-03-08T06:59:00Z` or
    /// `2026-03-08T01:59:00-05:00`; `field` names the input in the error.
    pub fn parse_rfc3339(field: &'static str, text: &str) -> Result<Self> {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|t| Self(t.timestamp_millis()))
            .map_err(|_| {
                Error::invalid(
                    field,
                    "expected an RFC 3339 instant such as 2026-03-08T14:30:00Z",
                )
            })
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    pub fn plus_minutes(self, minutes: i64) -> Self {
        Self(
            self.0
                .saturating_add(minutes.saturating_mul(Self::MINUTE_MS)),
        )
    }

    pub fn plus_hours(self, hours: i64) -> Self {
        Self(self.0.saturating_add(hours.saturating_mul(Self::HOUR_MS)))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offsets_to_the_same_instant() {
        let a = Timestamp::parse_rfc3339("now", "2026-03-08T06:59:00Z").unwrap();
        let b = Timestamp::parse_rfc3339("now", "2026-03-08T01:59:00-05:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_rfc3339(), "2026-03-08T06:59:00Z");
    }

    #[test]
    fn instants_outside_years_0_to_9999_are_refused() {
        assert!(Timestamp::checked("now", i64::MAX).is_err());
        assert!(Timestamp::checked("now", i64::MIN).is_err());
        assert_eq!(Timestamp::LATEST.to_rfc3339(), "9999-12-31T23:59:59.999Z");
        assert_eq!(Timestamp::EARLIEST.to_rfc3339(), "0000-01-01T00:00:00Z");
        assert!(Timestamp::checked("now", 0).is_ok());
    }

    #[test]
    fn rejects_a_non_instant_naming_the_field() {
        let err = Timestamp::parse_rfc3339("at", "yesterday").unwrap_err();
        assert!(err.to_string().starts_with("invalid at:"), "{err}");
    }
}
