//! `glasscam bench`: a live status line while the viewer runs, then the table, the JSON and
//! the plot.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use super::g2g_run::{G2gReport, G2gRun};
use super::plot;
use super::record::{Fate, FrameRecord, Recorder};
use super::report::{summarize, Summary};
// app.rs takes RunInfo from here.
use super::run_info::RunInfo;
use crate::cli::BenchArgs;

#[derive(Serialize)]
struct Report<'a> {
    run: &'a RunInfo,
    summary: &'a Summary,
    g2g: Option<&'a G2gReport>,
    frames: &'a [FrameRecord],
}

pub struct Bench {
    args: BenchArgs,
    /// Every frame's timestamps: kept for the bench only, as they grow with the run.
    pub recorder: Recorder,
    /// `--g2g`: the marker and what the camera saw of it.
    pub g2g: Option<G2gRun>,
    started: Instant,
    last_status: Instant,
    tty: bool,
}

/// How often the status line is refreshed on a terminal, and written otherwise (logs).
const STATUS_TTY: Duration = Duration::from_secs(1);
const STATUS_LOG: Duration = Duration::from_secs(5);

impl Bench {
    pub fn new(args: BenchArgs, buffers: usize) -> Bench {
        let now = Instant::now();
        Bench {
            args,
            recorder: Recorder::new(buffers),
            g2g: None,
            started: now,
            last_status: now,
            tty: std::io::stderr().is_terminal(),
        }
    }

    /// The live one-line status: frames shown, drops, the last second's latency.
    pub fn status(&mut self) {
        let period = if self.tty { STATUS_TTY } else { STATUS_LOG };
        if self.last_status.elapsed() < period {
            return;
        }
        self.last_status = Instant::now();
        let frames = self.recorder.frames();
        let shown: Vec<&FrameRecord> = frames
            .iter()
            .filter(|f| f.fate == Fate::Presented)
            .collect();
        let skipped = frames.iter().filter(|f| f.fate == Fate::Skipped).count();
        let latest = shown
            .iter()
            .rev()
            .take(30)
            .filter_map(|f| f.presented_ns?.checked_sub(f.dequeued_ns))
            .max()
            .map_or("-".to_string(), |ns| format!("{:.1} ms", ns as f64 / 1e6));
        let elapsed = self.started.elapsed().as_secs_f64();
        let line = format!(
            "bench: {:.0} s, {} presented ({:.1} fps), {} skipped, dequeue→present worst of last 30: {latest}",
            elapsed,
            shown.len(),
            shown.len() as f64 / elapsed.max(1e-9),
            skipped,
        );
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
    }

    /// Prints the table and writes the JSON and the plot asked for.
    pub fn finish(&self, run: &RunInfo, sequence_gaps: u64) -> anyhow::Result<()> {
        let recorder = &self.recorder;
        if self.tty {
            say!();
        }
        let summary = summarize(
            recorder.frames(),
            sequence_gaps,
            recorder.timestamps_refused(),
        );
        let camera_clock = match run.camera_clock {
            Some(clock) if clock.is_monotonic() => format!("{clock:?}"),
            Some(clock) => format!("{clock:?}: camera stages not measured"),
            None => "no frames".into(),
        };
        print!(
            "glasscam bench: {} {} {}x{} -> {} ({}), {:.1} s\n\
             clocks: camera {camera_clock}; display {}\n{}",
            run.device,
            run.format,
            run.width,
            run.height,
            run.display,
            run.path,
            run.duration_s,
            run.display_clock,
            summary.table()
        );
        let g2g = match self.g2g.as_ref().map(G2gRun::report) {
            Some(Ok(report)) => {
                print!("{}", report.table());
                Some(report)
            }
            Some(Err(why)) => {
                say!("glasscam: no glass-to-glass figures: {why}");
                None
            }
            None => None,
        };
        if let Some(path) = &self.args.json {
            let report = Report {
                run,
                summary: &summary,
                g2g: g2g.as_ref(),
                frames: recorder.frames(),
            };
            write(path, &serde_json::to_string_pretty(&report)?)?;
        }
        if let Some(path) = &self.args.plot {
            write(path, &plot::svg(run, &summary, recorder.frames()))?;
        }
        Ok(())
    }
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
