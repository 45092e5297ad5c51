//! The printable session prep as a browser draws it: `coachline screen session-prep
//! --html` on real stores, rendered by headless Chromium (Debian's `chromium`, which
//! scripts/install-tools installs; $COACHLINE_CHROMIUM names another binary), and
//! compared with the reference screenshot in tests/fixtures/session-prep.png.
//!
//! The comparison tolerates font rendering that differs a little between machines
//! (hinting, anti-aliasing, the layout a pixel off) and nothing more, in two measures:
//!
//! - pixels: one differs when a channel is off by more than [`CHANNEL_TOLERANCE`];
//!   at most [`MAX_DIFFERING`] of them may (a whole page one pixel lower is 1.9%; a
//!   font half a point larger, 3.9%);
//! - 8×8 blocks, for what is small but matters: a block changes when its mean
//!   luminance moves by more than [`BLOCK_TOLERANCE`] of 255; at most
//!   [`MAX_CHANGED_BLOCKS`] of the 21,875 may (other hinting or a one-pixel shift
//!   moves none that far; the urge chart's dots gone move 21, another client's name
//!   in the title 49).
//!
//! After a change to the page, refresh the reference with
//!
//! ```text
//! COACHLINE_UPDATE_SCREENSHOTS=1 cargo test -p coachline --test cli screenshot
//! ```
//!
//! and look at the new image before committing it. On a mismatch the screenshot
//! taken is kept in the target directory, and the message says where.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::phone::pair;
use crate::png;

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 1400;
/// Per channel, out of 255: anti-aliasing and hinting differences stay under it.
const CHANNEL_TOLERANCE: u8 = 64;
/// The share of pixels allowed to differ: 2% of the page (about a quarter of what
/// its text covers), enough for glyphs a pixel wider or narrower, far too little for
/// a missing chart, a moved section or text gone.
const MAX_DIFFERING: f64 = 0.02;
/// The side of a block, in pixels.
const BLOCK: usize = 8;
/// Out of 255, for a block's mean luminance.
const BLOCK_TOLERANCE: u8 = 48;
const MAX_CHANGED_BLOCKS: usize = 8;

fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/session-prep.png")
}

fn chromium() -> String {
    std::env::var("COACHLINE_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

/// A therapist's store with two weeks of calls, urges, a lockout and a declined
/// call, in New York: the page to print at `NOW`.
const NOW: &str = "2026-12-04T20:00:00Z";

fn session_prep_page(dir: &Path) -> PathBuf {
    let (therapist, client, _) = pair(dir);
    therapist.ok(&["agreement", "behavior", "add", "self-harm"]);
    therapist.send_to(&client, &dir.join("setup.automerge"));
    let calls: &[(&str, &str, &str, &str, &str)] = &[
        (
            "2026-11-24T15:00:00Z",
            "coaching",
            "5",
            "3",
            "2026-11-24T15:20:00Z",
        ),
        (
            "2026-11-26T16:00:00Z",
            "clarification",
            "2",
            "1",
            "2026-11-26T16:10:00Z",
        ),
        (
            "2026-11-28T15:00:00Z",
            "coaching",
            "4",
            "2",
            "2026-11-28T15:15:00Z",
        ),
        (
            "2026-11-30T15:00:00Z",
            "coaching",
            "5",
            "2",
            "2026-11-30T15:25:00Z",
        ),
        (
            "2026-12-01T15:30:00Z",
            "repair",
            "3",
            "1",
            "2026-12-01T15:45:00Z",
        ),
        (
            "2026-12-03T16:00:00Z",
            "coaching",
            "4",
            "1",
            "2026-12-03T16:20:00Z",
        ),
        (
            "2026-12-04T15:00:00Z",
            "news",
            "1",
            "0",
            "2026-12-04T15:05:00Z",
        ),
    ];
    for &(start, reason, before, after, end) in calls {
        let started = client.json(&[
            "call",
            "start",
            "--reason",
            reason,
            "--urge",
            before,
            "--tried",
            "paced breathing",
            "--now",
            start,
        ]);
        let id = started["id"].as_str().unwrap();
        client.ok(&[
            "call",
            "end",
            id,
            "--urge-after",
            after,
            "--suggested",
            "opposite action",
            "--now",
            end,
        ]);
    }
    client.ok(&[
        "behavior",
        "report",
        "--behavior",
        "self-harm",
        "--at",
        "2026-12-02T14:00:00Z",
        "--now",
        "2026-12-02T14:05:00Z",
    ]);
    let declined = client.run(&["call", "start", "--now", "2026-12-02T18:00:00Z"]);
    assert_eq!(
        declined.status.code(),
        Some(3),
        "declined by the 24-hour rule"
    );
    client.send_to(&therapist, &dir.join("calls.automerge"));

    let page = dir.join("session-prep.html");
    therapist.ok(&[
        "screen",
        "session-prep",
        "--html",
        page.to_str().unwrap(),
        "--time-zone",
        "America/New_York",
        "--now",
        NOW,
    ]);
    page
}

fn screenshot(page: &Path, png: &Path, profile: &Path) {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): install Chromium with scripts/install-tools, or set \
                 COACHLINE_CHROMIUM to a Chromium binary",
                chromium()
            )
        });
    assert!(
        out.status.success() && png.exists(),
        "chromium failed ({:?}) and wrote no screenshot",
        out.status.code()
    );
}

#[test]
fn the_printable_session_prep_matches_its_reference_screenshot() {
    let dir = tempfile::tempdir().unwrap();
    let page = session_prep_page(dir.path());
    let shot = dir.path().join("session-prep.png");
    screenshot(&page, &shot, &dir.path().join("profile"));

    let image = png::decode(&std::fs::read(&shot).unwrap());
    assert_eq!((image.width, image.height), (WIDTH, HEIGHT));
    // Not blank: black text and lines, greys of bars and anti-aliasing, on white.
    let pixels = image.pixels();
    let ink = pixels.iter().filter(|p| p.iter().any(|c| *c < 128)).count();
    let share = ink as f64 / pixels.len() as f64;
    assert!(
        share > 0.01 && share < 0.5,
        "ink covers {:.1}% of the page",
        share * 100.0
    );
    let mut colours = pixels.clone();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() >= 16, "only {} colours", colours.len());
    // Black on white: the page's corners are white.
    assert_eq!(pixels[0], [255, 255, 255]);
    assert_eq!(pixels[pixels.len() - 1], [255, 255, 255]);

    if std::env::var_os("COACHLINE_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        std::fs::copy(&shot, reference()).unwrap();
        eprintln!("updated {}", reference().display());
        return;
    }
    let expected = png::decode(&std::fs::read(reference()).unwrap_or_else(|_| {
        panic!(
            "no reference screenshot at {}: make it with COACHLINE_UPDATE_SCREENSHOTS=1",
            reference().display()
        )
    }));
    assert_eq!((expected.width, expected.height), (WIDTH, HEIGHT));
    let differing = pixels
        .iter()
        .zip(expected.pixels())
        .filter(|(a, b)| {
            a.iter()
                .zip(b)
                .any(|(x, y)| x.abs_diff(*y) > CHANNEL_TOLERANCE)
        })
        .count();
    let share = differing as f64 / pixels.len() as f64;
    let blocks = block_means(&pixels, WIDTH as usize, HEIGHT as usize)
        .into_iter()
        .zip(block_means(
            &expected.pixels(),
            WIDTH as usize,
            HEIGHT as usize,
        ))
        .map(|(a, b)| a.abs_diff(b))
        .collect::<Vec<_>>();
    let worst = blocks.iter().max().copied().unwrap_or(0);
    let changed = blocks.iter().filter(|d| **d > BLOCK_TOLERANCE).count();
    eprintln!(
        "{:.3}% of the pixels differ from the reference; blocks: worst {worst}, {changed} over {BLOCK_TOLERANCE}",
        share * 100.0
    );
    if share > MAX_DIFFERING || changed > MAX_CHANGED_BLOCKS {
        let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("session-prep.actual.png");
        std::fs::copy(&shot, &kept).unwrap();
        panic!(
            "{:.2}% of the pixels differ from the reference (at most {:.2}%) and {changed} \
             blocks (at most {MAX_CHANGED_BLOCKS}); the screenshot taken is {} (refresh with \
             COACHLINE_UPDATE_SCREENSHOTS=1 if the change is meant)",
            share * 100.0,
            MAX_DIFFERING * 100.0,
            kept.display()
        );
    }
}

/// The mean luminance (0-255) of each [`BLOCK`]×[`BLOCK`] square, row by row.
fn block_means(pixels: &[[u8; 3]], width: usize, height: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for by in (0..height).step_by(BLOCK) {
        for bx in (0..width).step_by(BLOCK) {
            let (mut sum, mut n) = (0u32, 0u32);
            for y in by..(by + BLOCK).min(height) {
                for x in bx..(bx + BLOCK).min(width) {
                    let [r, g, b] = pixels[y * width + x];
                    sum += (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
                    n += 1;
                }
            }
            out.push((sum / n) as u8);
        }
    }
    out
}
