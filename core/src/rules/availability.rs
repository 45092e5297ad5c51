//! When the therapist takes calls: the weekly hours, read as wall-clock times in the
//! therapist's IANA time zone, minus phone holidays.
//!
//! Hours are turned into instants one local date at a time, only for the few days a
//! question needs, so the answer is right on every date whatever the daylight-saving
//! rules were that year. Two wall-clock readings need a convention:
//! - a reading skipped when clocks spring forward (02:30 on a change day in New York)
//!   is taken as the first instant after the jump, for a start and an end alike, so
//!   hours from 02:00 begin when the clocks show 03:00;
//! - a reading that happens twice when clocks fall back is taken at its *earliest*
//!   occurrence when it starts hours and its *latest* when it ends them: hours then
//!   cover every instant whose reading is inside them, and a client calling at either
//!   01:30 is inside "01:00-02:00".
//!
//! No hours at all means hours were not agreed yet (the seed form leaves them
//! blank), not that the therapist never answers: an empty schedule is read as all
//! day, every day, so nothing is claimed about their hours, while phone holidays,
//! which the therapist sets on purpose, still apply. Counting a return call "in
//! available time" then counts plain wall time, except across a holiday.

use chrono::TimeZone as _;
use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset};
use chrono_tz::Tz;

use crate::model::{Holiday, Schedule, TimeZone};
use crate::time::Timestamp;

/// How far ahead hours are looked for: a year and a day, longer than any phone
/// holiday a weekly schedule could sensibly resume from.
const HORIZON_DAYS: u64 = 366;

/// The end of a run of hours that lasts past the horizon.
const BEYOND_HORIZON: i64 = i64::MAX;

const DAY_MINUTES: u16 = 24 * 60;

#[derive(Clone, Copy)]
enum Edge {
    Start,
    End,
}

/// Whether the therapist takes calls at one instant, and until or from when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvailabilityAt {
    pub available: bool,
    /// When available: the end of the current run of hours, runs that touch (Monday
    /// until 24:00, then Tuesday from 00:00) counting as one. `None` if the run lasts
    /// beyond the horizon.
    pub until: Option<Timestamp>,
    /// When unavailable: the next start of hours; `None` if there is none within
    /// the horizon.
    pub next: Option<Timestamp>,
}

/// The therapist's hours in one time zone, ready to answer for any instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Availability {
    tz: Tz,
    /// For each weekday, Monday first: local `[start, end)` minutes, touching
    /// intervals merged.
    days: [Vec<(u16, u16)>; 7],
    /// Holidays as disjoint, sorted, inclusive date ranges; adjacent ones merged.
    holidays: Vec<(NaiveDate, NaiveDate)>,
}

impl Availability {
    pub fn new(time_zone: TimeZone, schedule: &Schedule, holidays: &[Holiday]) -> Self {
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        if schedule.is_empty() {
            days.iter_mut().for_each(|d| d.push((0, DAY_MINUTES)));
        }
        for slot in schedule.slots() {
            let day = &mut days[slot.day.num_days_from_monday() as usize];
            match day.last_mut() {
                Some((_, end)) if *end == slot.start_minute => *end = slot.end_minute,
                _ => day.push((slot.start_minute, slot.end_minute)),
            }
        }

        let mut ranges: Vec<(NaiveDate, NaiveDate)> =
            holidays.iter().map(|h| (h.from, h.to)).collect();
        ranges.sort();
        let mut merged: Vec<(NaiveDate, NaiveDate)> = Vec::with_capacity(ranges.len());
        for (from, to) in ranges {
            match merged.last_mut() {
                Some((_, last)) if from <= next_day(*last) => *last = (*last).max(to),
                _ => merged.push((from, to)),
            }
        }
        Self {
            tz: time_zone.tz(),
            days,
            holidays: merged,
        }
    }

    /// Whether the therapist takes calls at `at`.
    pub fn is_available(&self, at: Timestamp) -> bool {
        let t = at.millis();
        self.intervals_around(at)
            .take_while(|&(start, _)| start <= t)
            .any(|(_, end)| t < end)
    }

    /// Availability at `at`, with the end of the current run or the next start.
    pub fn at(&self, at: Timestamp) -> AvailabilityAt {
        let t = at.millis();
        let mut intervals = self.intervals_around(at);
        let unavailable = |next| AvailabilityAt {
            available: false,
            until: None,
            next,
        };
        let Some((start, end)) = intervals.find(|&(_, end)| t < end) else {
            return unavailable(None);
        };
        if t < start {
            return unavailable(Some(Timestamp::from_millis(start)));
        }
        let mut until = end;
        for (start, end) in intervals {
            if start > until {
                break;
            }
            until = until.max(end);
        }
        AvailabilityAt {
            available: true,
            until: (until != BEYOND_HORIZON).then_some(Timestamp::from_millis(until)),
            next: None,
        }
    }

    /// The instant by which `minutes` of the therapist's hours have passed since
    /// `from`: how a return-call expectation is counted, since "within an hour" means
    /// an hour of their phone hours, not an hour of their night.
    ///
    /// If a year of hours does not add up to `minutes` (a holiday longer than the
    /// horizon, or a very sparse schedule), it falls back to plain wall time: a
    /// request that can never fall due would never surface the backup plan.
    pub fn add_available_minutes(&self, from: Timestamp, minutes: u32) -> Timestamp {
        let mut left = i64::from(minutes) * Timestamp::MINUTE_MS;
        let mut counted_to = from.millis();
        for (start, end) in self.intervals_around(from) {
            let start = start.max(counted_to);
            if end <= start {
                continue;
            }
            if end.saturating_sub(start) >= left {
                return Timestamp::from_millis(start + left);
            }
            left -= end - start;
            counted_to = end;
        }
        from.plus_minutes(i64::from(minutes))
    }

    /// Hours as instants, in order of start, from the local day before `at`'s
    /// (hours of that day may still be running) to the horizon.
    fn intervals_around(&self, at: Timestamp) -> Intervals<'_> {
        let today = at.to_datetime().with_timezone(&self.tz).date_naive();
        let first = today.pred_opt().unwrap_or(today);
        Intervals {
            hours: self,
            next_date: first,
            horizon: first
                .checked_add_days(Days::new(HORIZON_DAYS + 1))
                .unwrap_or(NaiveDate::MAX),
            date: first,
            slots: [].iter(),
        }
    }

    fn weekday(&self, date: NaiveDate) -> &[(u16, u16)] {
        &self.days[date.weekday().num_days_from_monday() as usize]
    }

    fn is_all_day(&self, date: NaiveDate) -> bool {
        self.weekday(date) == [(0, DAY_MINUTES)]
    }

    /// The last day of the holiday covering `date`, if one does.
    fn holiday_through(&self, date: NaiveDate) -> Option<NaiveDate> {
        let after = self.holidays.partition_point(|(from, _)| *from <= date);
        let (_, to) = *self.holidays.get(after.checked_sub(1)?)?;
        (date <= to).then_some(to)
    }

    /// The last date of the run of all-day, non-holiday dates starting at `date`
    /// (itself one), before `horizon`.
    fn last_all_day(&self, date: NaiveDate, horizon: NaiveDate) -> NaiveDate {
        if self.days.iter().all(|d| d.as_slice() == [(0, DAY_MINUTES)]) {
            // Every day is all day: the run ends only at the next holiday.
            let after = self.holidays.partition_point(|(from, _)| *from <= date);
            let stop = self
                .holidays
                .get(after)
                .map_or(horizon, |(from, _)| (*from).min(horizon));
            return stop.pred_opt().unwrap_or(date);
        }
        let mut last = date;
        loop {
            let next = next_day(last);
            if next >= horizon || !self.is_all_day(next) || self.holiday_through(next).is_some() {
                return last;
            }
            last = next;
        }
    }

    /// The instant of a local reading, `minute` 1440 being the next day's midnight.
    fn instant(&self, date: NaiveDate, minute: u16, edge: Edge) -> i64 {
        let (date, minute) = if minute >= DAY_MINUTES {
            (next_day(date), 0)
        } else {
            (date, minute)
        };
        let time = NaiveTime::from_num_seconds_from_midnight_opt(u32::from(minute) * 60, 0)
            .expect("minutes before 24:00 are a time of day");
        let local = date.and_time(time);
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.timestamp_millis(),
            LocalResult::Ambiguous(first, second) => match edge {
                Edge::Start => first.min(second).timestamp_millis(),
                Edge::End => first.max(second).timestamp_millis(),
            },
            LocalResult::None => self.end_of_gap(local),
        }
    }

    /// The instant clocks jumped over `local`, a reading that does not exist: the
    /// first instant whose reading is at or after it. Readings only move forward
    /// around a jump (no zone changes twice within a day), so a binary search over
    /// whole seconds, within the widest offsets (±26 hours), finds it exactly.
    fn end_of_gap(&self, local: NaiveDateTime) -> i64 {
        let target = local.and_utc().timestamp();
        let reading = |second: i64| {
            DateTime::from_timestamp(second, 0).map_or(second, |t| {
                second
                    + i64::from(
                        self.tz
                            .offset_from_utc_datetime(&t.naive_utc())
                            .fix()
                            .local_minus_utc(),
                    )
            })
        };
        let (mut before, mut after) = (target - 26 * 3600, target + 26 * 3600);
        while after - before > 1 {
            let mid = before + (after - before) / 2;
            if reading(mid) >= target {
                after = mid;
            } else {
                before = mid;
            }
        }
        after * 1000
    }
}

/// The next date; the last representable date is its own successor, which the
/// iteration's horizon (never past it) turns into the end.
fn next_day(date: NaiveDate) -> NaiveDate {
    date.succ_opt().unwrap_or(date)
}

/// The hours of consecutive local dates as instants `(start, end)` in
/// milliseconds, in order of start. Intervals of different days may touch, and, with
/// the fall-back convention, overlap; callers merge as they need. Holidays are
/// skipped whole, and runs of all-day dates come out as one interval, so a
/// schedule that is open around the clock costs two conversions, not one per day.
struct Intervals<'a> {
    hours: &'a Availability,
    /// The next date to expand.
    next_date: NaiveDate,
    /// The first date not expanded.
    horizon: NaiveDate,
    /// The date `slots` belong to.
    date: NaiveDate,
    slots: std::slice::Iter<'a, (u16, u16)>,
}

impl Iterator for Intervals<'_> {
    type Item = (i64, i64);

    fn next(&mut self) -> Option<(i64, i64)> {
        loop {
            if let Some(&(start, end)) = self.slots.next() {
                let start = self.hours.instant(self.date, start, Edge::Start);
                let end = self.hours.instant(self.date, end, Edge::End);
                if start < end {
                    return Some((start, end));
                }
                continue;
            }
            let date = self.next_date;
            if date >= self.horizon {
                return None;
            }
            if let Some(last) = self.hours.holiday_through(date) {
                self.next_date = next_day(last);
                continue;
            }
            if self.hours.is_all_day(date) {
                let last = self.hours.last_all_day(date, self.horizon);
                self.next_date = next_day(last);
                let start = self.hours.instant(date, 0, Edge::Start);
                let end = if self.next_date >= self.horizon {
                    BEYOND_HORIZON
                } else {
                    self.hours.instant(self.next_date, 0, Edge::End)
                };
                return Some((start, end));
            }
            self.date = date;
            self.slots = self.hours.weekday(date).iter();
            self.next_date = next_day(date);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::{at, holiday};

    fn hours(tz: &str, schedule: &str, holidays: &[Holiday]) -> Availability {
        Availability::new(tz.parse().unwrap(), &schedule.parse().unwrap(), holidays)
    }

    fn ms_before(t: Timestamp) -> Timestamp {
        Timestamp::from_millis(t.millis() - 1)
    }

    #[test]
    fn weekly_hours_in_the_therapists_zone() {
        let h = hours("America/New_York", "Mon-Fri 09:00-20:00", &[]);
        // Monday 2 March 2026, EST (UTC-5).
        assert!(!h.is_available(ms_before(at("2026-03-02T14:00:00Z"))));
        assert!(h.is_available(at("2026-03-02T14:00:00Z")));
        assert_eq!(
            h.at(at("2026-03-02T15:00:00Z")),
            AvailabilityAt {
                available: true,
                until: Some(at("2026-03-03T01:00:00Z")),
                next: None
            }
        );
        assert!(!h.is_available(at("2026-03-03T01:00:00Z")));
    }

    #[test]
    fn us_spring_forward_moves_the_utc_hours() {
        // Sunday 8 March 2026: 02:00 EST becomes 03:00 EDT.
        let h = hours("America/New_York", "Sun-Mon 09:00-17:00", &[]);
        let sunday = h.at(at("2026-03-08T13:00:00Z"));
        assert_eq!(
            sunday,
            AvailabilityAt {
                available: true,
                until: Some(at("2026-03-08T21:00:00Z")),
                next: None
            }
        );
        assert!(!h.is_available(ms_before(at("2026-03-08T13:00:00Z"))));
        // The Sunday before, still EST: 09:00 is 14:00 UTC.
        assert_eq!(
            h.at(at("2026-03-01T13:00:00Z")).next,
            Some(at("2026-03-01T14:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-03-08T21:00:00Z")).next,
            Some(at("2026-03-09T13:00:00Z"))
        );
    }

    #[test]
    fn us_fall_back_moves_the_utc_hours() {
        // Sunday 1 November 2026: 02:00 EDT becomes 01:00 EST.
        let h = hours("America/New_York", "Sun-Mon 09:00-17:00", &[]);
        assert_eq!(
            h.at(at("2026-11-01T10:00:00Z")).next,
            Some(at("2026-11-01T14:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-10-31T10:00:00Z")).next,
            Some(at("2026-11-01T14:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-10-26T12:00:00Z")).until,
            None,
            "Monday 26 Oct, before 09:00 EDT"
        );
        assert_eq!(
            h.at(at("2026-10-26T13:00:00Z")).until,
            Some(at("2026-10-26T21:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-11-02T14:00:00Z")).until,
            Some(at("2026-11-02T22:00:00Z"))
        );
    }

    #[test]
    fn eu_changes_move_the_utc_hours() {
        // Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST; 25 October back.
        let h = hours("Europe/Berlin", "Sun-Mon 09:00-17:00", &[]);
        assert_eq!(
            h.at(at("2026-03-22T06:00:00Z")).next,
            Some(at("2026-03-22T08:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-03-29T06:00:00Z")).next,
            Some(at("2026-03-29T07:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-03-29T07:00:00Z")).until,
            Some(at("2026-03-29T15:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-10-25T07:00:00Z")).next,
            Some(at("2026-10-25T08:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-10-25T08:00:00Z")).until,
            Some(at("2026-10-25T16:00:00Z"))
        );
    }

    #[test]
    fn skipped_readings_start_after_the_jump() {
        // 02:30 does not exist on 8 March in New York; 03:00 EDT is 07:00 UTC.
        let h = hours("America/New_York", "Sun 02:30-04:00", &[]);
        assert_eq!(
            h.at(at("2026-03-08T06:00:00Z")).next,
            Some(at("2026-03-08T07:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-03-08T07:00:00Z")).until,
            Some(at("2026-03-08T08:00:00Z"))
        );
        // Hours wholly inside the gap vanish that day.
        let h = hours("America/New_York", "Sun 02:00-02:30", &[]);
        assert_eq!(
            h.at(at("2026-03-08T00:00:00Z")).next,
            Some(at("2026-03-15T06:00:00Z"))
        );
    }

    #[test]
    fn repeated_readings_start_early_and_end_late() {
        // 01:00-01:30 happens twice on 1 November in New York: 05:00-05:30 EDT, 06:00-06:30 EST.
        let h = hours("America/New_York", "Sun 01:00-01:30", &[]);
        assert_eq!(
            h.at(at("2026-11-01T04:00:00Z")).next,
            Some(at("2026-11-01T05:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-11-01T05:45:00Z")).until,
            Some(at("2026-11-01T06:30:00Z"))
        );
    }

    #[test]
    fn hours_touching_across_midnight_are_one_run() {
        let h = hours(
            "Europe/Berlin",
            "Fri 18:00-24:00; Sat 00:00-02:00,10:00-12:00",
            &[],
        );
        // Friday 6 March 2026, CET.
        assert_eq!(
            h.at(at("2026-03-06T20:00:00Z")).until,
            Some(at("2026-03-07T01:00:00Z"))
        );
    }

    #[test]
    fn holidays_are_local_dates_and_span_a_change() {
        // Mon 2 - Fri 13 March, across the US change on the 8th.
        let h = hours(
            "America/New_York",
            "Mon-Fri 09:00-17:00",
            &[holiday("2026-03-02", "2026-03-13")],
        );
        assert!(!h.is_available(at("2026-03-02T15:00:00Z")));
        assert!(!h.is_available(at("2026-03-10T15:00:00Z")));
        // The Friday before ends as usual; then the next hours are after the holiday, in EDT.
        assert_eq!(
            h.at(at("2026-02-27T15:00:00Z")).until,
            Some(at("2026-02-27T22:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-02-27T23:00:00Z")).next,
            Some(at("2026-03-16T13:00:00Z"))
        );
    }

    #[test]
    fn next_available_skips_a_weekend_and_a_holiday() {
        let h = hours(
            "Europe/Berlin",
            "Mon-Fri 09:00-17:00",
            &[holiday("2026-12-24", "2026-12-28")],
        );
        // Wednesday 23 December, after hours; Thursday to Monday off.
        assert_eq!(
            h.at(at("2026-12-23T17:00:00Z")).next,
            Some(at("2026-12-29T08:00:00Z"))
        );
        // Friday evening to Monday.
        assert_eq!(
            h.at(at("2026-03-06T17:00:00Z")).next,
            Some(at("2026-03-09T08:00:00Z"))
        );
    }

    #[test]
    fn an_empty_schedule_means_always_except_holidays() {
        let h = hours("Europe/Berlin", "", &[]);
        assert_eq!(
            h.at(at("2026-03-06T17:00:00Z")),
            AvailabilityAt {
                available: true,
                until: None,
                next: None
            }
        );
        let h = hours("Europe/Berlin", "", &[holiday("2026-03-09", "2026-03-10")]);
        assert_eq!(
            h.at(at("2026-03-06T17:00:00Z")).until,
            Some(at("2026-03-08T23:00:00Z"))
        );
        assert_eq!(
            h.at(at("2026-03-09T17:00:00Z")).next,
            Some(at("2026-03-10T23:00:00Z"))
        );
        assert_eq!(
            h.add_available_minutes(at("2026-03-08T22:30:00Z"), 60),
            at("2026-03-10T23:30:00Z"),
            "half an hour before the holiday, half an hour after"
        );
    }

    #[test]
    fn around_the_clock_hours_merge_across_days() {
        let h = hours(
            "America/New_York",
            "Mon-Sun 00:00-24:00",
            &[holiday("2026-12-25", "2026-12-25")],
        );
        assert_eq!(
            h.at(at("2026-12-01T12:00:00Z")).until,
            Some(at("2026-12-25T05:00:00Z"))
        );
        let h = hours("America/New_York", "Mon-Fri 00:00-24:00", &[]);
        // Monday 2 March to Saturday 00:00 EST.
        assert_eq!(
            h.at(at("2026-03-02T12:00:00Z")).until,
            Some(at("2026-03-07T05:00:00Z"))
        );
    }

    #[test]
    fn available_minutes_skip_the_night() {
        let h = hours("America/New_York", "Mon-Fri 09:00-20:00", &[]);
        // Monday 2 March, 23:00 EST: due Tuesday 09:00 + 60 minutes.
        assert_eq!(
            h.add_available_minutes(at("2026-03-03T04:00:00Z"), 60),
            at("2026-03-03T15:00:00Z")
        );
        // 19:30 with hours ending at 20:00: 30 minutes that day, 30 the next morning.
        assert_eq!(
            h.add_available_minutes(at("2026-03-03T00:30:00Z"), 60),
            at("2026-03-03T14:30:00Z")
        );
        // Within hours it is plain time.
        assert_eq!(
            h.add_available_minutes(at("2026-03-02T15:00:00Z"), 60),
            at("2026-03-02T16:00:00Z")
        );
        // Friday evening to Monday morning.
        assert_eq!(
            h.add_available_minutes(at("2026-03-07T02:00:00Z"), 0),
            at("2026-03-09T13:00:00Z")
        );
    }

    #[test]
    fn hours_that_never_come_fall_back_to_wall_time() {
        let h = hours(
            "Europe/Berlin",
            "Mon 09:00-10:00",
            &[holiday("2026-01-01", "2027-12-31")],
        );
        let from = at("2026-03-02T08:00:00Z");
        assert_eq!(
            h.at(from),
            AvailabilityAt {
                available: false,
                until: None,
                next: None
            }
        );
        assert_eq!(
            h.add_available_minutes(from, 60),
            at("2026-03-02T09:00:00Z")
        );
    }
}
