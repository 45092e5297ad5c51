//! Every sentence a person reads, from one catalogue.
//!
//! The words live in [Project Fluent](https://projectfluent.org) files beside this
//! module (`en.ftl` first), so the wording a client in distress reads is reviewed in
//! one place, is identical on both platforms, and another language is one more file
//! and one more line in [`Words::for_language`]. Code names a message by its id and
//! passes its variables; it never builds a sentence.
//!
//! Times are formatted here too, in the zone the caller gives (the viewer's, for a
//! screen): the clock, "today", "tomorrow", a weekday or a date, from the catalogue's
//! own words, so a translation translates them as well.
//!
//! A test checks that every id the code names is in each catalogue and every message
//! in a catalogue is used ([`tests`]).

use std::sync::LazyLock;

use chrono::{Datelike, TimeZone as _, Timelike};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::time::Timestamp;

/// One language's catalogue, parsed once per process.
pub struct Words {
    bundle: FluentBundle<FluentResource>,
    language: &'static str,
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Words")
            .field("language", &self.language)
            .finish()
    }
}

/// A variable of a message: text or a whole number.
#[derive(Clone, Debug)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(text)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<u32> for Arg<'_> {
    fn from(n: u32) -> Self {
        Arg::Number(i64::from(n))
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

static ENGLISH: LazyLock<Words> = LazyLock::new(|| Words::parse("en", include_str!("en.ftl")));

impl Words {
    /// The English catalogue: the reference every other language translates.
    pub fn english() -> &'static Words {
        &ENGLISH
    }

    /// The catalogue for a BCP 47 language tag (`en`, `en-US`...), English for a
    /// language there is no catalogue for yet.
    pub fn for_language(_tag: Option<&str>) -> &'static Words {
        Self::english()
    }

    /// The language of this catalogue, as a BCP 47 tag.
    pub fn language(&self) -> &'static str {
        self.language
    }

    fn parse(language: &'static str, source: &'static str) -> Words {
        // The catalogues are part of the build and a test parses each of them: a
        // syntax error cannot reach a phone.
        let resource =
            FluentResource::try_new(source.to_owned()).unwrap_or_else(|(resource, _)| resource);
        let tag = language.parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![tag]);
        // No Unicode isolation marks around variables: every string here is shown
        // in a left-to-right UI, and the marks would reach the JSON and the tests.
        bundle.set_use_isolating(false);
        let _ = bundle.add_resource(resource);
        Words { bundle, language }
    }

    /// The message `id` with no variables.
    pub fn get(&self, id: &str) -> String {
        self.say(id, &[])
    }

    /// The message `id` with its variables. A missing message gives its id (a test
    /// keeps that from happening), never a panic.
    pub fn say(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Text(text) => FluentValue::from(*text),
                Arg::Number(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// An instant as a person in `zone` would say it at `now`: "2:30 PM today",
    /// "9:00 AM tomorrow", "9:00 AM on Friday", "9:00 AM on Tuesday 3 March".
    pub fn when(&self, at: Timestamp, now: Timestamp, zone: chrono_tz::Tz) -> String {
        let local = zone.from_utc_datetime(&at.to_datetime().naive_utc());
        let today = zone
            .from_utc_datetime(&now.to_datetime().naive_utc())
            .date_naive();
        let clock = self.clock(local.hour(), local.minute());
        let days = (local.date_naive() - today).num_days();
        let weekday = self.say(
            "weekday",
            &[("day", Arg::from(local.weekday().number_from_monday()))],
        );
        match days {
            0 => self.say("when-today", &[("clock", Arg::from(&clock))]),
            1 => self.say("when-tomorrow", &[("clock", Arg::from(&clock))]),
            2..=6 => self.say(
                "when-this-week",
                &[
                    ("clock", Arg::from(&clock)),
                    ("weekday", Arg::from(&weekday)),
                ],
            ),
            _ => {
                let date = self.date(at, zone);
                self.say(
                    "when-date",
                    &[("clock", Arg::from(&clock)), ("date", Arg::from(&date))],
                )
            }
        }
    }

    /// An instant on a clock in `zone`, with the zone's abbreviation, for a sentence
    /// read in another zone too: "14:30 EST on Tuesday 3 March".
    pub fn zoned(&self, at: Timestamp, zone: chrono_tz::Tz) -> String {
        let local = zone.from_utc_datetime(&at.to_datetime().naive_utc());
        let clock = local.format("%H:%M").to_string();
        let abbreviation = local.format("%Z").to_string();
        let date = self.date(at, zone);
        self.say(
            "zoned-time",
            &[
                ("clock", Arg::from(&clock)),
                ("zone", Arg::from(&abbreviation)),
                ("date", Arg::from(&date)),
            ],
        )
    }

    /// A day as a person in `zone` would write it: "Tuesday 3 March".
    pub fn date(&self, at: Timestamp, zone: chrono_tz::Tz) -> String {
        let local = zone.from_utc_datetime(&at.to_datetime().naive_utc());
        let weekday = self.say(
            "weekday",
            &[("day", Arg::from(local.weekday().number_from_monday()))],
        );
        let month = self.say("month", &[("month", Arg::from(local.month()))]);
        self.say(
            "date",
            &[
                ("weekday", Arg::from(&weekday)),
                ("day", Arg::from(local.day())),
                ("month", Arg::from(&month)),
            ],
        )
    }

    /// A time of day: "2:30 PM".
    pub fn clock(&self, hour: u32, minute: u32) -> String {
        let minute = format!("{minute:02}");
        self.say(
            "clock",
            &[
                ("hour", Arg::from(hour)),
                ("hour12", Arg::from((hour + 11) % 12 + 1)),
                ("minute", Arg::from(&minute)),
                ("half", Arg::from(if hour < 12 { "am" } else { "pm" })),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids the code names: every string literal that looks like one
    /// (`"home-locked-headline"`) in the screens and the call decision. Ids made at
    /// run time (`reason-…`, `term-…`) are checked by the screens' journeys, which
    /// look for an unresolved id in every screen they compute.
    fn ids_in_sources() -> Vec<String> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut files = vec![std::path::PathBuf::from(root).join("rules/decision.rs")];
        for entry in std::fs::read_dir(std::path::Path::new(root).join("screens")).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n != "tests.rs") {
                files.push(path);
            }
        }
        let mut ids = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for literal in text.split('"').skip(1).step_by(2) {
                if is_message_id(literal) {
                    ids.push(literal.to_owned());
                }
            }
        }
        ids.sort();
        ids.dedup();
        ids
    }

    /// Lowercase words joined by hyphens, at least two.
    fn is_message_id(text: &str) -> bool {
        text.contains('-')
            && text.split('-').all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
    }

    #[test]
    fn the_english_catalogue_parses_without_errors() {
        let resource = FluentResource::try_new(include_str!("en.ftl").to_owned());
        assert!(resource.is_ok(), "en.ftl has syntax errors");
    }

    #[test]
    fn every_id_the_code_names_is_in_the_catalogue() {
        let words = Words::english();
        let missing: Vec<String> = ids_in_sources()
            .into_iter()
            .filter(|id| words.bundle.get_message(id).is_none())
            .collect();
        assert!(missing.is_empty(), "not in en.ftl: {missing:?}");
    }

    #[test]
    fn times_are_said_in_the_zone_given() {
        let words = Words::english();
        let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
        let at = |s: &str| Timestamp::parse_rfc3339("t", s).unwrap();
        let now = at("2026-03-02T15:00:00Z"); // Monday 10:00 EST
        assert_eq!(
            words.when(at("2026-03-02T19:30:00Z"), now, tz),
            "2:30 PM today"
        );
        assert_eq!(
            words.when(at("2026-03-03T14:00:00Z"), now, tz),
            "9:00 AM tomorrow"
        );
        assert_eq!(
            words.when(at("2026-03-06T17:05:00Z"), now, tz),
            "12:05 PM on Friday"
        );
        assert_eq!(
            words.when(at("2026-03-10T04:00:00Z"), now, tz),
            "12:00 AM on Tuesday 10 March"
        );
        let london: chrono_tz::Tz = "Europe/London".parse().unwrap();
        assert_eq!(
            words.when(at("2026-03-02T19:30:00Z"), now, london),
            "7:30 PM today"
        );
    }

    #[test]
    fn a_missing_message_is_its_id_not_a_panic() {
        let id = ["no", "such", "message"].join("-");
        assert_eq!(Words::english().get(&id), id);
    }
}
