//! The viewer: both ends opened, one event loop driving the pipeline, and the run reported.

mod open;
mod pipeline;
mod reconnect;
mod switch;

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use nix::sys::signal::Signal;

use crate::buffers::BufferPool;
use crate::capture::{ExportedBuffer, StreamFormat};
use crate::cli::{Backend, Cli, Command};
use crate::display::DisplayError;
use crate::dmabuf::Allocator;
use crate::event_loop::EventLoop;
use crate::format::Chroma;
use crate::keys::KeyFile;
use crate::latency::bench::Bench;
use crate::latency::g2g_run::G2gRun;
use crate::latency::run_info::RunInfo;
use crate::path::{FramePath, Rung};
use crate::snapshot::Snapshots;
use crate::stats::{self, Stats};
pub use pipeline::Ending;
use pipeline::Pipeline;

/// A mistake in what the user asked for, found after parsing: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

const WATCHDOG_PERIOD: Duration = Duration::from_millis(500);
/// `bench --g2g` flips the marker first this long after streaming starts.
const G2G_START: Duration = Duration::from_secs(1);

/// Runs the viewer until --frames, a signal or an error.
pub fn run(cli: &Cli) -> anyhow::Result<Ending> {
    let backend = match cli.backend {
        Backend::Auto if std::env::var_os("WAYLAND_DISPLAY").is_some() => Backend::Wayland,
        Backend::Auto => Backend::Kms,
        other => other,
    };
    // Signals first, so none is lost during setup.
    let event_loop = EventLoop::new(&[Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP])
        .context("installing signal handlers")?;
    let mut pipeline = match start_when_connected(cli, backend, &event_loop)? {
        Ok(pipeline) => pipeline,
        Err(signal) => return Ok(Ending::Signal(signal)),
    };
    let started = Instant::now();
    loop {
        run_loop(&event_loop, &mut pipeline)?;
        if let Some((lower, why)) = pipeline.refused.take() {
            pipeline = pipeline.step_down(lower, why)?;
        } else if let Some(key) = pipeline.switch_wanted.take() {
            let result = switch::switch(cli, &mut pipeline, key);
            pipeline.finish_with(result);
        } else if reconnect::camera_gone(cli, &pipeline) {
            reconnect::wait_for_camera(cli, &event_loop, &mut pipeline)?;
        } else {
            break;
        }
    }
    finish(cli, pipeline, started.elapsed())
}

/// `start`; with `--persistent` and no display connected to the console yet, a line, then
/// another try every half second until one is, or a signal (returned) ends the wait.
fn start_when_connected(
    cli: &Cli,
    backend: Backend,
    event_loop: &EventLoop,
) -> anyhow::Result<Result<Pipeline, Signal>> {
    let mut said = false;
    loop {
        let error = match start(cli, backend) {
            Ok(pipeline) => return Ok(Ok(pipeline)),
            Err(error) => error,
        };
        let absent = error.chain().any(|e| {
            e.downcast_ref::<DisplayError>()
                .is_some_and(DisplayError::is_nothing_connected)
        });
        if !(cli.persistent && absent) {
            return Err(error);
        }
        if !std::mem::replace(&mut said, true) {
            say!("glasscam: {error:#}; waiting for one (--persistent)");
        }
        if let Some(signal) = event_loop.sleep(Instant::now() + WATCHDOG_PERIOD)? {
            return Ok(Err(signal));
        }
    }
}

/// Opens both ends, says so in one line, and starts streaming.
fn start(cli: &Cli, backend: Backend) -> anyhow::Result<Pipeline> {
    let open::Opened {
        mut path,
        request,
        exported,
        mut source,
        format,
        device,
    } = open::open(cli, backend)?;
    // bench --g2g is refused here, before the start-up line, if the marker cannot be shown.
    let bench = bench_for(cli, &mut path, &exported, &format, source.buffer_count())?;
    let allocator = path
        .allocator(source.allocator())
        .map_or("none", Allocator::name);
    say_started(&path, &format, &device, allocator);
    for index in 0..source.buffer_count() {
        source.queue(index)?;
    }
    source.start()?;
    let buffer_count = source.buffer_count();
    let stats = Stats {
        path: path.name(),
        allocator: allocator.to_string(),
        device: source.path().display().to_string(),
        display: path.display().name(),
        format: format.pixel.name(),
        width: format.width,
        height: format.height,
        buffers: buffer_count,
        ..Stats::default()
    };
    Ok(Pipeline {
        path,
        request,
        format,
        device,
        refused: None,
        bench,
        exported,
        source,
        pool: BufferPool::new(buffer_count),
        stats,
        frames_wanted: cli.frames,
        last_sequence: None,
        last_frame: Instant::now(),
        started: Instant::now(),
        ending: None,
        events: Vec::with_capacity(8),
        keys: key_file(cli)?,
        snapshots: Snapshots::new(cli.snapshot_dir.clone()),
        snapshot_wanted: false,
        switch_wanted: None,
    })
}

/// `--keys FILE`, opened; a file that cannot be is a usage error.
fn key_file(cli: &Cli) -> anyhow::Result<Option<KeyFile>> {
    let Some(path) = &cli.keys else {
        return Ok(None);
    };
    KeyFile::open(path)
        .map(Some)
        .map_err(|e| UsageError(format!("cannot read keys from {}: {e}", path.display())).into())
}

/// The bench `glasscam bench` asks for, with its g2g run where --g2g asks for one (the
/// marker enabled on the path, or refused if it cannot be shown).
fn bench_for(
    cli: &Cli,
    path: &mut FramePath,
    exported: &[ExportedBuffer],
    format: &StreamFormat,
    buffer_count: usize,
) -> anyhow::Result<Option<Bench>> {
    let Some(Command::Bench(args)) = &cli.command else {
        return Ok(None);
    };
    let mut bench = Bench::new(args.clone(), buffer_count);
    if args.g2g {
        bench.g2g = Some(G2gRun::new(exported, format, args.g2g_hold)?);
        path.enable_marker()?;
    }
    Ok(Some(bench))
}

/// The start-up line: what is shown where, on which rung, at what cost in copies.
pub(crate) fn say_started(path: &FramePath, format: &StreamFormat, device: &str, allocator: &str) {
    let copies = match path.rung() {
        Rung::Copy => format!(
            "1 copy per frame ({} bytes)",
            format.width * format.height * 4
        ),
        Rung::Gpu => "0 copies per frame (converted on the GPU)".to_string(),
        Rung::Direct => "0 copies per frame".to_string(),
        Rung::Import => {
            "0 copies per frame (the camera writes into the display's buffers)".to_string()
        }
    };
    let view = path
        .view_done_by()
        .map(|v| format!(", {v}"))
        .unwrap_or_default();
    let shown_as_is = matches!(path.rung(), Rung::Direct | Rung::Import);
    let colour = match shown_as_is && format.pixel.chroma() != Chroma::None {
        false => String::new(),
        true if path.colour_by_display() => format!(
            "; the display converts YCbCr with the camera's {} ({})",
            format.colorimetry.describe(),
            path.display().colorimetry_told_by()
        ),
        true => format!(
            "; the display converts YCbCr with its own matrix and range, not necessarily the \
             camera's {} (--path gpu converts with the camera's exactly)",
            format.colorimetry.describe()
        ),
    };
    say!(
        "glasscam: {device} {} -> {}, path {}, {copies}, allocator {allocator}{view}{colour}",
        format.describe(),
        path.display().describe(),
        path.name(),
    );
}

/// Waits on the camera, the display and signals until the pipeline has an ending.
fn run_loop(event_loop: &EventLoop, pipeline: &mut Pipeline) -> anyhow::Result<()> {
    let g2g = pipeline.bench.as_ref().is_some_and(|b| b.g2g.is_some());
    // The first marker flip once the picture is up; each flip sets the time of the next.
    let mut next_marker = g2g.then(|| Instant::now() + G2G_START);
    let mut next_watchdog = Instant::now() + WATCHDOG_PERIOD;
    while pipeline.ending.is_none()
        && pipeline.refused.is_none()
        && pipeline.switch_wanted.is_none()
    {
        let deadline = next_marker.map_or(next_watchdog, |m: Instant| m.min(next_watchdog));
        let display = pipeline
            .display_wake_needed()
            .then(|| pipeline.path.as_fd());
        let wake = event_loop
            .wait(
                pipeline.source.as_fd(),
                display,
                [
                    pipeline.path.hotplug_fd(),
                    pipeline.path.seat_fd(),
                    pipeline.keys.as_ref().map(AsFd::as_fd),
                ],
                deadline,
            )
            .context("waiting for events")?;
        if wake.keys {
            pipeline.on_key_file();
        }
        if let Some(signal) = wake.signal {
            pipeline.ending.get_or_insert(Ok(Ending::Signal(signal)));
        }
        if wake.camera {
            let result = pipeline.on_camera_ready();
            pipeline.finish_with(result);
        }
        pipeline.on_display_wake(&wake);
        let now = Instant::now();
        if now >= next_watchdog {
            let result = pipeline.watchdog();
            pipeline.finish_with(result);
            next_watchdog = now + WATCHDOG_PERIOD;
        }
        if next_marker.is_some_and(|at| now >= at) {
            next_marker = match pipeline.flip_marker() {
                Ok(hold) => now.checked_add(hold),
                Err(e) => {
                    pipeline.finish_with(Err(e));
                    None
                }
            };
        }
    }
    Ok(())
}

/// The run's totals, once the buffers are back.
fn count_the_run(stats: &mut Stats, pool: &BufferPool, elapsed: Duration) {
    let tally = pool.tally();
    stats.frames_stale = tally.stale;
    stats.buffers_released = tally.released;
    // Never shown: stale, error-flagged, and the one or two still pending or in flight at exit.
    stats.frames_dropped = stats.frames_captured.saturating_sub(stats.frames_presented);
    stats.bytes_copied = stats::bytes_copied();
    stats.bytes_decoded = stats::bytes_decoded();
    stats.duration_s = elapsed.as_secs_f64();
    stats.presented_fps = stats.frames_presented as f64 / elapsed.as_secs_f64().max(1e-9);
}

/// Tears down in pipeline order (display, then camera), then writes --stats, the summary
/// line and the bench's report.
fn finish(cli: &Cli, pipeline: Pipeline, elapsed: Duration) -> anyhow::Result<Ending> {
    let Pipeline {
        mut path,
        mut bench,
        exported,
        source,
        pool,
        mut stats,
        ending,
        mut snapshots,
        ..
    } = pipeline;
    if let Some(g2g) = bench.as_mut().and_then(|b| b.g2g.as_mut()) {
        g2g.unmap();
    }
    snapshots.finish();
    stats.bytes_read_for_snapshots = snapshots.bytes_read;
    stats.presentation = path.display().presentation();
    let display_clock = path.display().presentation_clock();
    path.restore();
    drop(path);
    drop(exported);
    let released = source.release();

    count_the_run(&mut stats, &pool, elapsed);
    if let Some(path) = &cli.stats {
        stats.write(path)?;
    }
    say!(
        "glasscam: presented {} of {} frames in {:.1} s ({:.1} fps), dropped {}, copied {} bytes",
        stats.frames_presented,
        stats.frames_captured,
        stats.duration_s,
        stats.presented_fps,
        stats.frames_dropped,
        stats.bytes_copied
    );
    if let Some(bench) = bench {
        let run = RunInfo {
            device: stats.device.clone(),
            display: stats.display.clone(),
            path: stats.path.clone(),
            format: stats.format.clone(),
            width: stats.width,
            height: stats.height,
            duration_s: stats.duration_s,
            camera_clock: bench.recorder.camera_clock(),
            display_clock,
        };
        bench.finish(&run, stats.sequence_gaps)?;
    }
    let ending = ending.unwrap_or(Ok(Ending::FramesDone))?;
    released?;
    Ok(ending)
}
