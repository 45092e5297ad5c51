//! The Session-prep screen as one self-contained HTML page, to print before a session
//! (`coachline screen session-prep --html FILE`): the title, the summary and three
//! inline SVG charts drawn from the record's series.
//!
//! No script, no external resource of any kind (a Content-Security-Policy forbids
//! them too): the page is mental-health data and may be opened anywhere. Every piece
//! of text is escaped, since names and skills are what people typed. The words are
//! the record's own (its title, lines, chart titles, reason labels) and the
//! catalogue's `prep-html-…` messages. Black on white, for A4 or Letter.

use std::fmt::Write as _;

use super::session_prep::SessionPrep;
use crate::words::Words;

/// The charts' width in SVG units; they scale to the page's width (180 mm printed).
const W: f64 = 680.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = W - 12.0;

/// Fills for the reasons in [`SessionPrep::reason_labels`] order, then declined
/// (a hatch): greys that stay apart on a black-and-white printer.
const FILLS: [&str; 5] = ["#1a1a1a", "#5c5c5c", "#9a9a9a", "#d4d4d4", "url(#hatch)"];

const STYLE: &str = "\
@page { margin: 15mm; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0 auto; padding: 8mm 0; max-width: 180mm; color: #000; background: #fff;
  font-family: 'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif;
  font-size: 12pt; line-height: 1.4; }
h1 { font-size: 18pt; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; }
ul { margin: 0; padding-left: 6mm; }
li { margin: 1mm 0; }
section { break-inside: avoid; page-break-inside: avoid; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; fill: #000; }
footer { margin-top: 8mm; font-size: 9pt; border-top: 1px solid #000; padding-top: 2mm; }
@media print { body { padding: 0; } }
";

/// The page for `prep`, in English (the catalogue the record's words came from).
pub fn session_prep_html(prep: &SessionPrep) -> String {
    let words = Words::english();
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n<ul class=\"summary\">\n",
        lang = esc(words.language()),
        title = esc(&prep.title),
    );
    for line in &prep.lines {
        let _ = writeln!(out, "<li>{}</li>", esc(line));
    }
    out.push_str("</ul>\n");
    let charts = [
        urges_chart(prep, words),
        weeks_chart(prep, words),
        lockouts_chart(prep, words),
    ];
    for (title, svg) in prep.chart_titles.iter().zip(charts) {
        let _ = write!(
            out,
            "<section>\n<h2>{}</h2>\n{}</section>\n",
            esc(title),
            svg
        );
    }
    let _ = write!(
        out,
        "<footer>{}</footer>\n</body>\n</html>\n",
        esc(&words.get("prep-html-footer"))
    );
    out
}

/// Text for HTML, in content or in a quoted attribute.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn svg_open(out: &mut String, height: f64, label: &str) {
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {W} {height}\" width=\"{W}\" height=\"{height}\" role=\"img\" \
         aria-label=\"{}\" font-size=\"13\">",
        esc(label)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, size: u32, content: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-size=\"{size}\">{}</text>",
        esc(content)
    );
}

/// A legend: a swatch and a label per item, `columns` to a row.
fn legend(out: &mut String, top: f64, columns: usize, items: &[(String, String)]) {
    let column = (RIGHT - LEFT) / columns as f64;
    for (i, (swatch, label)) in items.iter().enumerate() {
        let x = LEFT + column * (i % columns) as f64;
        let y = top + 22.0 * (i / columns) as f64;
        out.push_str(
            &swatch
                .replace("{x}", &format!("{x:.1}"))
                .replace("{y}", &format!("{y:.1}")),
        );
        text(out, x + 22.0, y + 11.0, "start", 12, label);
    }
}

/// Urges before and after each call on a 0–5 scale: an open circle before, a filled
/// one after, joined when the call has both.
fn urges_chart(prep: &SessionPrep, words: &Words) -> String {
    let (top, bottom) = (14.0, 190.0);
    let height = 270.0;
    let y = |v: u8| bottom - f64::from(v.min(5)) * (bottom - top) / 5.0;
    let mut out = String::new();
    svg_open(&mut out, height, &prep.chart_titles[0]);
    for v in 0..=5u8 {
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{0:.1}\" y2=\"{0:.1}\" stroke=\"{1}\" stroke-width=\"1\"/>",
            y(v),
            if v == 0 { "#000" } else { "#bbb" }
        );
        text(&mut out, LEFT - 8.0, y(v) + 4.0, "end", 12, &v.to_string());
    }
    let n = prep.urges.len();
    if n == 0 {
        text(
            &mut out,
            W / 2.0,
            (top + bottom) / 2.0,
            "middle",
            13,
            &words.get("prep-html-nothing"),
        );
    }
    let slot = (RIGHT - LEFT) / n.max(1) as f64;
    let offset = (slot / 4.0).min(8.0);
    for (i, point) in prep.urges.iter().enumerate() {
        let x = LEFT + slot * (i as f64 + 0.5);
        if let (Some(before), Some(after)) = (point.before, point.after) {
            let _ = writeln!(
                out,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"2\"/>",
                x - offset,
                y(before),
                x + offset,
                y(after)
            );
        }
        if let Some(before) = point.before {
            let _ = writeln!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"2\"/>",
                x - offset,
                y(before)
            );
        }
        if let Some(after) = point.after {
            let _ = writeln!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"#000\"/>",
                x + offset,
                y(after)
            );
        }
        if n <= 40 {
            text(
                &mut out,
                x,
                bottom + 16.0,
                "middle",
                11,
                &(i + 1).to_string(),
            );
        }
    }
    text(
        &mut out,
        (LEFT + RIGHT) / 2.0,
        bottom + 36.0,
        "middle",
        12,
        &words.get("prep-html-call-axis"),
    );
    legend(
        &mut out,
        bottom + 50.0,
        2,
        &[
            (
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"5\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"2\" transform=\"translate(7 6)\"/>\n".into(),
                words.get("prep-html-before"),
            ),
            (
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"5\" fill=\"#000\" transform=\"translate(7 6)\"/>\n".into(),
                words.get("prep-html-after"),
            ),
        ],
    );
    out.push_str("</svg>\n");
    out
}

/// Calls per week, stacked by reason, with the declined attempts on top (hatched).
fn weeks_chart(prep: &SessionPrep, words: &Words) -> String {
    let (top, bottom) = (14.0, 200.0);
    let height = 324.0;
    let counts = |w: &super::session_prep::WeekOfCalls| {
        [w.coaching, w.clarification, w.repair, w.news, w.declined]
    };
    let max = prep
        .weeks
        .iter()
        .map(|w| counts(w).iter().sum::<u32>())
        .max()
        .unwrap_or(0);
    let step = (max.max(1)).div_ceil(5);
    let scale_max = (max.max(1)).div_ceil(step) * step;
    let y = |v: u32| bottom - f64::from(v) * (bottom - top) / f64::from(scale_max);
    let mut out = String::new();
    svg_open(&mut out, height, &prep.chart_titles[1]);
    out.push_str(
        "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#000\" stroke-width=\"2\"/></pattern></defs>\n",
    );
    let mut v = 0;
    while v <= scale_max {
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{0:.1}\" y2=\"{0:.1}\" stroke=\"{1}\" stroke-width=\"1\"/>",
            y(v),
            if v == 0 { "#000" } else { "#bbb" }
        );
        text(&mut out, LEFT - 8.0, y(v) + 4.0, "end", 12, &v.to_string());
        v += step;
    }
    if max == 0 {
        text(
            &mut out,
            W / 2.0,
            (top + bottom) / 2.0,
            "middle",
            13,
            &words.get("prep-html-nothing"),
        );
    }
    let n = prep.weeks.len().max(1);
    let slot = (RIGHT - LEFT) / n as f64;
    let bar = slot * 0.6;
    for (i, week) in prep.weeks.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = 0;
        for (count, fill) in counts(week).into_iter().zip(FILLS) {
            if count == 0 {
                continue;
            }
            let (y1, y0) = (y(base + count), y(base));
            let _ = writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{fill}\" stroke=\"#000\" stroke-width=\"1\"/>",
                y0 - y1
            );
            base += count;
        }
        week_label(&mut out, x + bar / 2.0, bottom + 16.0, slot, &week.label);
    }
    let mut items: Vec<(String, String)> = prep
        .reason_labels
        .iter()
        .cloned()
        .chain([words.get("prep-html-declined")])
        .zip(FILLS)
        .map(|(label, fill)| {
            (
                format!(
                    "<rect x=\"{{x}}\" y=\"{{y}}\" width=\"14\" height=\"14\" fill=\"{fill}\" stroke=\"#000\" stroke-width=\"1\"/>\n"
                ),
                label,
            )
        })
        .collect();
    items.truncate(5);
    legend(&mut out, bottom + 44.0, 2, &items);
    out.push_str("</svg>\n");
    out
}

/// A week's label under its bar: on two lines, split at the first space, when it
/// would run into its neighbours' ("Friday 9 October").
fn week_label(out: &mut String, x: f64, y: f64, slot: f64, label: &str) {
    let fits = label.chars().count() as f64 * 6.2 < slot - 4.0;
    match label.split_once(' ') {
        Some((first, rest)) if !fits => {
            let _ = writeln!(
                out,
                "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-size=\"11\">\
                 <tspan x=\"{x:.1}\">{}</tspan><tspan x=\"{x:.1}\" dy=\"13\">{}</tspan></text>",
                esc(first),
                esc(rest)
            );
        }
        _ => text(out, x, y, "middle", 11, label),
    }
}

/// Each lockout window as a bar on the period's time axis, its words above it.
fn lockouts_chart(prep: &SessionPrep, words: &Words) -> String {
    let row = 40.0;
    let rows = prep.lockouts.len().max(1) as f64;
    let axis = 8.0 + rows * row + 4.0;
    let height = axis + 26.0;
    let (left, right) = (12.0, RIGHT);
    let span = (prep.until.millis() - prep.since.millis()).max(1) as f64;
    let x = |t: crate::time::Timestamp| {
        let f = ((t.millis() - prep.since.millis()) as f64 / span).clamp(0.0, 1.0);
        left + f * (right - left)
    };
    let mut out = String::new();
    svg_open(&mut out, height, &prep.chart_titles[2]);
    if prep.lockouts.is_empty() {
        text(
            &mut out,
            W / 2.0,
            8.0 + row / 2.0 + 4.0,
            "middle",
            13,
            &words.get("prep-html-nothing"),
        );
    }
    for (i, window) in prep.lockouts.iter().enumerate() {
        let top = 8.0 + row * i as f64;
        let (x0, x1) = (x(window.from), x(window.until));
        let _ = writeln!(
            out,
            "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"14\" fill=\"#3a3a3a\" stroke=\"#000\" stroke-width=\"1\"/>",
            top + 20.0,
            (x1 - x0).max(3.0)
        );
        text(&mut out, left, top + 14.0, "start", 12, &window.label);
    }
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" x2=\"{right}\" y1=\"{axis:.1}\" y2=\"{axis:.1}\" stroke=\"#000\" stroke-width=\"1.5\"/>\n\
         <line x1=\"{left}\" x2=\"{left}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"1.5\"/>\n\
         <line x1=\"{right}\" x2=\"{right}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"1.5\"/>",
        axis - 5.0,
        axis + 5.0,
        axis - 5.0,
        axis + 5.0
    );
    text(
        &mut out,
        left,
        axis + 20.0,
        "start",
        12,
        &words.get("prep-html-period-start"),
    );
    text(
        &mut out,
        right,
        axis + 20.0,
        "end",
        12,
        &words.get("prep-html-period-end"),
    );
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgreementId, EntryId};
    use crate::screens::{UrgePoint, WeekOfCalls, Window};
    use crate::time::Timestamp;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339("now", text).unwrap()
    }

    fn prep(name: &str) -> SessionPrep {
        let since = at("2026-03-02T15:00:00Z");
        let until = at("2026-03-09T15:00:00Z");
        SessionPrep {
            agreement: AgreementId::random(),
            client_name: name.to_owned(),
            title: format!("{name}: since Monday 2 March"),
            since,
            until,
            lines: vec!["2 calls: 1 Coaching, 1 <b>Repair</b>.".into()],
            urges: vec![
                UrgePoint {
                    call: EntryId::random(),
                    at: since.plus_hours(5),
                    before: Some(4),
                    after: Some(2),
                },
                UrgePoint {
                    call: EntryId::random(),
                    at: since.plus_hours(30),
                    before: Some(5),
                    after: None,
                },
            ],
            weeks: (0..8)
                .map(|n| WeekOfCalls {
                    starts: since.plus_hours(n * 24 * 7),
                    label: format!("week {n}"),
                    coaching: n as u32 % 3,
                    clarification: 1,
                    repair: 0,
                    news: u32::from(n == 7),
                    declined: u32::from(n == 6),
                })
                .collect(),
            lockouts: vec![Window {
                from: since.plus_hours(24),
                until: since.plus_hours(48),
                label: "Tuesday to Wednesday & \"after\"".into(),
            }],
            chart_titles: ["Urges".into(), "Weeks".into(), "Lockouts <x>".into()],
            reason_labels: [
                "Coaching".into(),
                "Clarification".into(),
                "Repair".into(),
                "News".into(),
            ],
        }
    }

    #[test]
    fn user_text_is_escaped() {
        let html = session_prep_html(&prep("<script>alert(1)</script>"));
        assert!(!html.contains("<script"), "a name became markup");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("1 &lt;b&gt;Repair&lt;/b&gt;."));
        assert!(html.contains("Tuesday to Wednesday &amp; &quot;after&quot;"));
        assert!(html.contains("Lockouts &lt;x&gt;"));
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn one_svg_per_chart_with_the_records_words() {
        let html = session_prep_html(&prep("Casey"));
        assert_eq!(html.matches("<svg").count(), 3);
        assert_eq!(html.matches("</svg>").count(), 3);
        for words in [
            "Urges",
            "Weeks",
            "Coaching",
            "Clarification",
            "News",
            "week 7",
        ] {
            assert!(html.contains(words), "missing {words}");
        }
        let catalogue = Words::english();
        assert!(html.contains(&esc(&catalogue.get("prep-html-declined"))));
        assert!(html.contains(&esc(&catalogue.get("prep-html-before"))));
        // Two urge points with a line between the first pair; the second has no after.
        assert_eq!(
            html.matches("fill=\"#fff\" stroke=\"#000\" stroke-width=\"2\"/>")
                .count(),
            2
        );
    }

    #[test]
    fn the_page_refers_to_nothing_outside_itself() {
        let html = session_prep_html(&prep("Casey"));
        let lower = html.to_ascii_lowercase();
        for bad in [
            "http:", "https:", "//", "<script", "src=", "href=", "url(http", "@import", "<link",
            "<img",
        ] {
            assert!(!lower.contains(bad), "the page has {bad}");
        }
    }

    #[test]
    fn empty_series_still_draw_three_charts() {
        let mut empty = prep("Casey");
        empty.urges.clear();
        empty.lockouts.clear();
        for w in &mut empty.weeks {
            *w = WeekOfCalls {
                coaching: 0,
                clarification: 0,
                repair: 0,
                news: 0,
                declined: 0,
                ..w.clone()
            };
        }
        let html = session_prep_html(&empty);
        assert_eq!(html.matches("<svg").count(), 3);
        let nothing = Words::english().get("prep-html-nothing");
        assert_eq!(html.matches(nothing.as_str()).count(), 3);
    }
}
