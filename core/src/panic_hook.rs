//! A panic hook that reports where, never what.
//!
//! A panic's message can quote the data being processed: slicing a name in the middle
//! of a character panics with the name in the message, an `expect` on a parse can
//! show the text that did not parse. Rust's default hook prints that message to
//! standard error, which on a phone ends up in the system log and in crash reports.
//! The shells (the FFI library and the CLI) install this hook instead: it prints one
//! line with the source location only, `coachline: internal error at <file>:<line>`,
//! which is enough to find the bug and says nothing about the person.

use std::io::Write;
use std::panic::PanicHookInfo;
use std::sync::Once;

/// The one line the hook prints for a panic: its location, never its payload.
pub fn report(info: &PanicHookInfo<'_>) -> String {
    match info.location() {
        Some(at) => format!("coachline: internal error at {}:{}", at.file(), at.line()),
        None => "coachline: internal error".to_owned(),
    }
}

/// Replaces the process's panic hook with one that prints only [`report`]; the
/// first call installs it, later calls do nothing (cheap enough for every FFI call).
pub fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            // Never panic here (a panic inside the hook aborts): a failed write is dropped.
            let _ = writeln!(std::io::stderr(), "{}", report(info));
        }));
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn the_report_names_the_place_of_a_panic_and_never_its_payload() {
        const MARKER: &str = "Zelda-Quux";
        static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|info| {
            if let Ok(mut seen) = SEEN.lock() {
                seen.push(report(info));
            }
        }));
        let line = line!() + 1;
        let result = std::panic::catch_unwind(|| panic!("the name was {MARKER}"));
        std::panic::set_hook(previous);
        assert!(result.is_err());
        let seen = SEEN.lock().unwrap();
        let expected = format!("coachline: internal error at {}:{line}", file!());
        assert!(seen.contains(&expected), "{seen:?}");
        assert!(seen.iter().all(|line| !line.contains(MARKER)), "{seen:?}");
    }
}
