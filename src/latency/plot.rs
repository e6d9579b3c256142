//! The bench's picture, as plain SVG: each stage's distribution (min, p50, p95, p99, max on
//! one millisecond axis) above a timeline of every frame's latency, drops marked.

use std::fmt::Write;

use super::record::{Fate, FrameRecord};
use super::report::{Distribution, Summary};
use super::run_info::RunInfo;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 215.0;
const RIGHT: f64 = 30.0;
const ROW: f64 = 26.0;
const TIMELINE_HEIGHT: f64 = 220.0;
const PLOT_WIDTH: f64 = WIDTH - LEFT - RIGHT;
/// Where the distribution rows start, below the title.
const TOP: f64 = 60.0;

/// Round axis end: 1, 2 or 5 times a power of ten, at least `max`.
fn nice_ceiling(max: f64) -> f64 {
    let max = max.max(1e-3);
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * power)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A tick label with as few decimals as the step between ticks needs.
fn label(value: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    format!("{value:.decimals$}")
}

/// Ticks along a horizontal axis from `x0` to `x1` for values 0..=`end`.
fn axis(svg: &mut String, x0: f64, x1: f64, y: f64, end: f64, unit: &str) {
    let _ = write!(
        svg,
        r##"<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#444"/>"##
    );
    for i in 0..=5 {
        let value = end * f64::from(i) / 5.0;
        let x = x0 + (x1 - x0) * f64::from(i) / 5.0;
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="{y}" x2="{x:.1}" y2="{:.1}" stroke="#444"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}{unit}</text>"##,
            y + 4.0,
            y + 16.0,
            label(value, end / 5.0)
        );
    }
}

pub fn svg(run: &RunInfo, summary: &Summary, frames: &[FrameRecord]) -> String {
    let rows: Vec<&Distribution> = summary
        .stages
        .iter()
        .chain(&summary.intervals)
        .filter(|d| d.count > 0)
        .collect();
    let dist_height = ROW * rows.len() as f64 + 30.0;
    let timeline_top = TOP + dist_height + 50.0;
    let height = timeline_top + TIMELINE_HEIGHT + 60.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    header(&mut svg, run, summary);
    distributions(&mut svg, &rows);
    timeline(&mut svg, frames, timeline_top);
    let _ = write!(
        svg,
        r##"<text x="10" y="{:.1}">ticks under the timeline: red skipped for a newer frame, purple discarded by the compositor, black error-flagged</text></svg>"##,
        height - 10.0
    );
    svg.push('\n');
    svg
}

/// The white background and the two title lines: what ran, and how much of it was shown.
fn header(svg: &mut String, run: &RunInfo, summary: &Summary) {
    let _ = write!(
        svg,
        r#"<rect width="100%" height="100%" fill="white"/><text x="10" y="22" font-size="15" font-weight="bold">{}</text><text x="10" y="42">{}</text>"#,
        escape(&format!(
            "glasscam bench: {} {} {}x{} → {} ({})",
            run.device, run.format, run.width, run.height, run.display, run.path
        )),
        escape(&format!(
            "{} presented of {} captured in {:.1} s; bars: min–max, box p50–p95, tick p99",
            summary.frames_presented, summary.frames_captured, run.duration_s
        )),
    );
}

/// A row per distribution: min–max line, p50–p95 box, p99 tick, over one millisecond axis.
fn distributions(svg: &mut String, rows: &[&Distribution]) {
    let end = nice_ceiling(rows.iter().map(|d| d.max_ms).fold(0.0, f64::max));
    let x = |ms: f64| LEFT + PLOT_WIDTH * (ms / end).min(1.0);
    for (i, d) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64 + ROW / 2.0;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{} (n={})</text><line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#888"/><rect x="{:.1}" y="{:.1}" width="{:.1}" height="12" fill="#7aa6d6" stroke="#2b5d8f"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#000" stroke-width="2"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#c0392b" stroke-width="2"/>"##,
            LEFT - 8.0,
            y + 4.0,
            escape(d.stage),
            d.count,
            x(d.min_ms),
            x(d.max_ms),
            x(d.p50_ms),
            y - 6.0,
            (x(d.p95_ms) - x(d.p50_ms)).max(1.0),
            x(d.p50_ms),
            y - 7.0,
            x(d.p50_ms),
            y + 7.0,
            x(d.p99_ms),
            y - 7.0,
            x(d.p99_ms),
            y + 7.0,
        );
    }
    let axis_y = TOP + ROW * rows.len() as f64 + 6.0;
    axis(svg, LEFT, LEFT + PLOT_WIDTH, axis_y, end, " ms");
}

/// The timeline's scales: seconds since the first frame across, latency up.
struct Timeline {
    top: f64,
    start_ns: u64,
    seconds: f64,
    top_ms: f64,
}

impl Timeline {
    fn x(&self, ns: u64) -> f64 {
        LEFT + PLOT_WIDTH * ((ns.saturating_sub(self.start_ns)) as f64 / 1e9 / self.seconds)
    }

    fn y(&self, ms: f64) -> f64 {
        self.top + TIMELINE_HEIGHT * (1.0 - (ms / self.top_ms).min(1.0))
    }
}

/// (dequeue time, ms from `from` to presentation) of every presented frame.
fn latency_series(
    frames: &[FrameRecord],
    from: fn(&FrameRecord) -> Option<u64>,
) -> Vec<(u64, f64)> {
    frames
        .iter()
        .filter(|f| f.fate == Fate::Presented)
        .filter_map(|f| {
            let ns = f.presented_ns?.checked_sub(from(f)?)?;
            Some((f.dequeued_ns, ns as f64 / 1e6))
        })
        .collect()
}

/// Timeline: dequeue → present (and camera → present) of every presented frame, drops
/// marked under it.
fn timeline(svg: &mut String, frames: &[FrameRecord], top: f64) {
    let start_ns = frames.first().map_or(0, |f| f.dequeued_ns);
    let last = frames.last().map_or(0, |f| f.dequeued_ns).max(start_ns + 1);
    let seconds = (last - start_ns) as f64 / 1e9;
    let dequeue = latency_series(frames, |f| Some(f.dequeued_ns));
    let camera = latency_series(frames, |f| f.camera_ns);
    let top_ms = nice_ceiling(
        dequeue
            .iter()
            .chain(&camera)
            .map(|(_, ms)| *ms)
            .fold(0.0, f64::max),
    );
    let scale = Timeline {
        top,
        start_ns,
        seconds,
        top_ms,
    };
    timeline_frame(svg, &scale);
    for (points, colour, label, label_y) in [
        (&camera, "#e67e22", "camera → present", 14.0),
        (&dequeue, "#2b5d8f", "dequeue → present", 28.0),
    ] {
        if !points.is_empty() {
            series_line(svg, &scale, points, colour, label, label_y);
        }
    }
    drop_ticks(svg, frames, &scale);
    let axis_y = top + TIMELINE_HEIGHT + 14.0;
    axis(svg, LEFT, LEFT + PLOT_WIDTH, axis_y, seconds, " s");
}

/// The timeline's title, its box, and the millisecond labels up its side.
fn timeline_frame(svg: &mut String, scale: &Timeline) {
    let _ = write!(
        svg,
        r##"<text x="10" y="{:.1}" font-weight="bold">latency per frame over {:.1} s</text><rect x="{LEFT}" y="{}" width="{PLOT_WIDTH}" height="{TIMELINE_HEIGHT}" fill="none" stroke="#ccc"/>"##,
        scale.top - 12.0,
        scale.seconds,
        scale.top,
    );
    for i in 0..=5 {
        let ms = scale.top_ms * f64::from(i) / 5.0;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{} ms</text>"##,
            LEFT - 8.0,
            scale.y(ms) + 4.0,
            label(ms, scale.top_ms / 5.0)
        );
    }
}

/// One latency series as a line, its name `label_y` below the timeline's top.
fn series_line(
    svg: &mut String,
    scale: &Timeline,
    points: &[(u64, f64)],
    colour: &str,
    label: &str,
    label_y: f64,
) {
    let path: Vec<String> = points
        .iter()
        .map(|(t, ms)| format!("{:.1},{:.1}", scale.x(*t), scale.y(*ms)))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.2"/>"#,
        path.join(" ")
    );
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" fill="{colour}">{}</text>"#,
        LEFT + 10.0,
        scale.top + label_y,
        escape(label)
    );
}

/// Drops as ticks under the timeline: red skipped, purple discarded, black errors.
fn drop_ticks(svg: &mut String, frames: &[FrameRecord], scale: &Timeline) {
    for f in frames {
        let colour = match f.fate {
            Fate::Skipped => "#c0392b",
            Fate::Discarded => "#8e44ad",
            Fate::Error => "#000",
            _ => continue,
        };
        let x = scale.x(f.dequeued_ns);
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{colour}"/>"#,
            scale.top + TIMELINE_HEIGHT + 2.0,
            scale.top + TIMELINE_HEIGHT + 10.0
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::report::summarize;

    #[test]
    fn axis_ends_are_round() {
        assert_eq!(nice_ceiling(7.3), 10.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(0.42), 0.5);
        assert_eq!(label(40.0, 20.0), "40");
        assert_eq!(label(0.25, 0.05), "0.25");
    }

    #[test]
    fn the_plot_is_svg_with_a_row_per_stage_and_a_point_per_frame() {
        let frames: Vec<FrameRecord> = (0..10u64)
            .map(|i| FrameRecord {
                sequence: i as u32,
                buffer: (i % 4) as usize,
                camera_ns: Some(i * 33_000_000),
                dequeued_ns: i * 33_000_000 + 1_000_000,
                committed_ns: Some(i * 33_000_000 + 2_000_000),
                presented_ns: Some(i * 33_000_000 + 9_000_000),
                presented_by_receipt: false,
                requeued_ns: Some(i * 33_000_000 + 40_000_000),
                fate: if i == 4 {
                    Fate::Skipped
                } else {
                    Fate::Presented
                },
            })
            .collect();
        let summary = summarize(&frames, 0, 0);
        let run = RunInfo {
            device: "/dev/video0".into(),
            display: "card0".into(),
            path: "kms-direct".into(),
            format: "YUYV".into(),
            width: 640,
            height: 480,
            duration_s: 0.3,
            camera_clock: None,
            display_clock: String::new(),
        };
        let svg = svg(&run, &summary, &frames);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        for d in summary.stages.iter().chain(&summary.intervals) {
            assert!(svg.contains(&escape(d.stage)), "no row for {}", d.stage);
        }
        // Nine presented frames: nine points on each of the two latency lines.
        let points: Vec<usize> = svg
            .match_indices("<polyline points=\"")
            .map(|(i, m)| {
                svg[i + m.len()..]
                    .split('"')
                    .next()
                    .unwrap()
                    .split(' ')
                    .count()
            })
            .collect();
        assert_eq!(points, [9, 9]);
        assert_eq!(
            svg.matches(r##"stroke="#c0392b"/>"##).count(),
            1,
            "one skipped tick"
        );
    }
}
