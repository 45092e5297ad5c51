//! Writes the benchmark's five-year client history (3,000 calls, 300 behaviour
//! reports, 100 term edits, each its own durable change) to `DIR/client.db`, with
//! the therapist's store beside it, and prints the agreement id and the history's
//! last instant in milliseconds, for the Kotlin benchmark (tests/kotlin/bench).
//!
//! `cargo run --release -p coachline-ffi --features fixtures --example heavy-history -- DIR [YEARS]`

use coachline_core::fixtures::{client_store, HistorySize};
use coachline_core::Timestamp;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: heavy-history DIR [YEARS]")?);
    let years: usize = args.next().map_or(Ok(5), |y| y.parse())?;
    std::fs::create_dir_all(&dir)?;
    // The history ends at a fixed instant (Monday 2 March 2026, 15:00 UTC), so every
    // run measures the same decision.
    let end = Timestamp::from_millis(1_772_463_600_000);
    let (_store, id) = client_store(&dir, &HistorySize::years(years), end)?;
    println!("{id} {}", end.millis());
    Ok(())
}
