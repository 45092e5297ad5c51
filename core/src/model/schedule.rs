//! The therapist's weekly phone hours, their time zone, and phone holidays.
//!
//! Hours are wall-clock times in the therapist's IANA time zone (not UTC offsets), so
//! "Mon-Fri 09:00-20:00" stays 09:00–20:00 local across daylight-saving changes; the
//! conversion to instants happens in [`crate::rules::availability`].

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, Weekday};

use crate::error::{Error, Result};
use crate::model::EntryId;

/// An IANA time zone, such as `America/New_York`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl FromStr for TimeZone {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        s.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| {
                Error::invalid(
                    "time-zone",
                    "expected an IANA time zone such as America/New_York",
                )
            })
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One weekly interval of phone hours: a day and local minutes since midnight,
/// half-open `[start, end)`; `end` may be 24:00 (1440) to run to midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub day: Weekday,
    pub start_minute: u16,
    pub end_minute: u16,
}

impl Slot {
    /// Week order starting on Monday, then time of day.
    fn sort_key(&self) -> (u32, u16) {
        (self.day.num_days_from_monday(), self.start_minute)
    }
}

/// The weekly schedule, e.g. `Mon-Fri 09:00-20:00; Sat 10:00-14:00`.
///
/// Grammar: entries separated by `;`, each `DAYS HH:MM-HH:MM[, HH:MM-HH:MM...]`,
/// where DAYS is a day (`Mon`), a range (`Mon-Fri`, wrapping allowed: `Sat-Sun`) or a
/// comma list (`Mon,Wed`). The empty string is the empty schedule (no phone hours).
/// Slots are kept sorted and must not overlap, so equal schedules print identically
/// (the printed form is part of the signed terms).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    slots: Vec<Slot>,
}

const DAYS: [(&str, Weekday); 7] = [
    ("Mon", Weekday::Mon),
    ("Tue", Weekday::Tue),
    ("Wed", Weekday::Wed),
    ("Thu", Weekday::Thu),
    ("Fri", Weekday::Fri),
    ("Sat", Weekday::Sat),
    ("Sun", Weekday::Sun),
];

const SYNTAX: &str = "expected entries like \"Mon-Fri 09:00-20:00; Sat 10:00-14:00\"";

fn parse_day(text: &str) -> Result<Weekday> {
    DAYS.iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text.trim()))
        .map(|(_, day)| *day)
        .ok_or_else(|| Error::invalid("availability", format!("{SYNTAX}; days are Mon..Sun")))
}

fn parse_days(text: &str) -> Result<Vec<Weekday>> {
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (mut day, last) = (parse_day(from)?, parse_day(to)?);
                days.push(day);
                while day != last {
                    day = day.succ();
                    days.push(day);
                }
            }
            None => days.push(parse_day(part)?),
        }
    }
    Ok(days)
}

fn parse_minute(text: &str) -> Result<u16> {
    let bad = || {
        Error::invalid(
            "availability",
            format!("{SYNTAX}; times are HH:MM, 00:00 to 24:00"),
        )
    };
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl Schedule {
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Builds a schedule from slots, refusing empty or overlapping ones.
    pub fn from_slots(mut slots: Vec<Slot>) -> Result<Self> {
        slots.sort_by_key(Slot::sort_key);
        for slot in &slots {
            if slot.start_minute >= slot.end_minute || slot.end_minute > 24 * 60 {
                return Err(Error::invalid(
                    "availability",
                    "each interval must end after it starts (overnight hours are two entries)",
                ));
            }
        }
        if slots
            .windows(2)
            .any(|w| w[0].day == w[1].day && w[1].start_minute < w[0].end_minute)
        {
            return Err(Error::invalid(
                "availability",
                "intervals on the same day overlap",
            ));
        }
        Ok(Self { slots })
    }
}

impl FromStr for Schedule {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let mut slots = Vec::new();
        for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (days, times) = entry
                .split_once(char::is_whitespace)
                .ok_or_else(|| Error::invalid("availability", SYNTAX))?;
            let days = parse_days(days)?;
            for range in times.split(',') {
                let (start, end) = range
                    .split_once('-')
                    .ok_or_else(|| Error::invalid("availability", SYNTAX))?;
                let (start_minute, end_minute) = (parse_minute(start)?, parse_minute(end)?);
                slots.extend(days.iter().map(|&day| Slot {
                    day,
                    start_minute,
                    end_minute,
                }));
            }
        }
        Self::from_slots(slots)
    }
}

impl fmt::Display for Schedule {
    /// One entry per day, days in week order: the canonical form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hhmm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        let mut first = true;
        for (name, day) in DAYS {
            let ranges: Vec<String> = self
                .slots
                .iter()
                .filter(|s| s.day == day)
                .map(|s| format!("{}-{}", hhmm(s.start_minute), hhmm(s.end_minute)))
                .collect();
            if ranges.is_empty() {
                continue;
            }
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{name} {}", ranges.join(","))?;
        }
        Ok(())
    }
}

/// A "phone holiday": whole local dates, inclusive, in the therapist's time zone,
/// during which they take no calls; `note` may say who covers.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Holiday {
    pub id: EntryId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub note: Option<String>,
}

crate::redacted_debug!(Holiday {
    id,
    from,
    to,
    note: redacted
});

impl Holiday {
    pub fn new(from: NaiveDate, to: NaiveDate, note: Option<String>) -> Result<Self> {
        if to < from {
            return Err(Error::invalid(
                "holiday",
                "the last day comes before the first",
            ));
        }
        Ok(Self {
            id: EntryId::random(),
            from,
            to,
            note: note.filter(|n| !n.trim().is_empty()),
        })
    }

    pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| Error::invalid(field, "expected a date such as 2026-12-24"))
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_issue_example_and_prints_it_canonically() {
        let s: Schedule = "Mon-Fri 09:00-20:00; Sat 10:00-14:00".parse().unwrap();
        assert_eq!(s.slots().len(), 6);
        assert_eq!(
            s.to_string(),
            "Mon 09:00-20:00; Tue 09:00-20:00; Wed 09:00-20:00; Thu 09:00-20:00; \
             Fri 09:00-20:00; Sat 10:00-14:00"
        );
        assert_eq!(s.to_string().parse::<Schedule>().unwrap(), s);
    }

    #[test]
    fn wrapping_ranges_lists_and_midnight() {
        let s: Schedule = "sat-sun 08:00-12:00,13:00-24:00; Mon,Wed 07:30-08:00"
            .parse()
            .unwrap();
        assert_eq!(s.slots().len(), 6);
        assert_eq!("".parse::<Schedule>().unwrap(), Schedule::default());
    }

    #[test]
    fn malformed_schedules_are_refused() {
        for bad in [
            "Mon",
            "Funday 09:00-10:00",
            "Mon 9:00-10:00",
            "Mon 10:00-09:00",
            "Mon 09:00-25:00",
            "Mon 09:00-12:00,11:00-13:00",
            "Mon 09:60-10:00",
        ] {
            let err = bad.parse::<Schedule>().unwrap_err();
            assert!(
                err.to_string().starts_with("invalid availability"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            "Europe/Berlin".parse::<TimeZone>().unwrap().name(),
            "Europe/Berlin"
        );
        assert!("Mars/Olympus".parse::<TimeZone>().is_err());
    }

    #[test]
    fn holidays_need_ordered_dates() {
        let d = |s| Holiday::parse_date("from", s).unwrap();
        assert!(Holiday::new(d("2026-12-24"), d("2026-12-26"), None).is_ok());
        assert!(Holiday::new(d("2026-12-26"), d("2026-12-24"), None).is_err());
        assert!(Holiday::parse_date("from", "24/12/2026").is_err());
    }
}
