//! The pipeline: camera → buffer ownership → display → released back to the camera,
//! driven by one event loop.

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use nix::sys::signal::Signal;

use crate::buffers::BufferPool;
use crate::capture::{
    mjpeg_camera, Camera, CaptureError, ExportedBuffer, FileSource, FormatRequest, MjpegCamera,
    Source, Stream, StreamFormat,
};
use crate::cli::{Backend, Cli, Command, PathChoice};
use crate::clock::monotonic_now;
use crate::event_loop::EventLoop;
use crate::format::{fourcc_name, PixelFormat};
use crate::ladder;
use crate::latency::bench::{Bench, RunInfo};
use crate::latency::g2g_run::G2gRun;
use crate::latency::record::{Fate, Recorder};
use crate::sink::{Sink, SinkEvent};
use crate::stats::{self, Stats};

/// Without a frame for this long the camera counts as stalled (TCG guests manage a few fps).
const STALL_TIMEOUT: Duration = Duration::from_secs(10);
const WATCHDOG_PERIOD: Duration = Duration::from_millis(500);
/// Buffers beyond what the display holds: one being filled, one pending.
const CAPTURE_HEADROOM: usize = 2;
const MIN_BUFFERS: usize = 4;
/// `bench --g2g` flips the marker first this long after streaming starts.
const G2G_START: Duration = Duration::from_secs(1);

/// Why the loop ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    FramesDone,
    Signal(Signal),
    /// The user closed the window (or pressed Q or Escape).
    Closed,
}

struct Pipeline {
    stream: Source,
    sink: Sink,
    pool: BufferPool,
    stats: Stats,
    frames_wanted: Option<u64>,
    last_sequence: Option<u32>,
    last_frame: Instant,
    /// When streaming started, for the time to the first frame.
    started: Instant,
    ending: Option<Result<Ending, anyhow::Error>>,
    bench: Option<Bench>,
    /// The sink's events, reused from frame to frame: nothing is allocated per frame.
    events: Vec<SinkEvent>,
}

impl Pipeline {
    /// Notes a frame's progress for the bench; a plain viewer keeps no per-frame record.
    fn record(&mut self, note: impl FnOnce(&mut Recorder)) {
        if let Some(bench) = &mut self.bench {
            note(&mut bench.recorder);
        }
    }

    fn on_camera_ready(&mut self) -> anyhow::Result<()> {
        while let Some(frame) = self.stream.dequeue()? {
            self.last_frame = Instant::now();
            self.stats.frames_captured += 1;
            self.record(|r| {
                r.dequeued(
                    frame.index,
                    frame.sequence,
                    frame.flags,
                    frame.timestamp,
                    monotonic_now(),
                )
            });
            if let Some(last) = self.last_sequence {
                // wrapping_sub: the 32-bit sequence may wrap on long runs.
                let gap = frame.sequence.wrapping_sub(last).wrapping_sub(1);
                if gap < u32::MAX / 2 {
                    self.stats.sequence_gaps += u64::from(gap);
                }
            }
            self.last_sequence = Some(frame.sequence);
            if frame.is_error() {
                self.stats.frames_error += 1;
                self.record(|r| r.dropped(frame.index, Fate::Error));
                self.pool.rejected(frame.index)?;
                self.requeue(frame.index)?;
                continue;
            }
            if let Some(g2g) = self.g2g() {
                g2g.frame_dequeued(frame.index);
            }
            if let Some(stale) = self.pool.dequeued(frame.index)? {
                self.record(|r| r.dropped(stale, Fate::Skipped));
                self.requeue(stale)?;
            }
        }
        self.present_newest()
    }

    fn g2g(&mut self) -> Option<&mut G2gRun> {
        self.bench.as_mut()?.g2g.as_mut()
    }

    /// Flips the g2g marker; returns how long to hold the new colour.
    fn flip_marker(&mut self) -> anyhow::Result<Duration> {
        let Some(g2g) = self.g2g() else {
            return Ok(Duration::MAX);
        };
        let (white, hold) = g2g.flip()?;
        self.sink.flip_marker(white)?;
        Ok(hold)
    }

    /// Gives a buffer back to the camera; the pool has already checked nobody reads it.
    fn requeue(&mut self, index: usize) -> anyhow::Result<()> {
        self.stream.queue(index)?;
        self.record(|r| r.requeued(index, monotonic_now()));
        self.stats.requeues += 1;
        Ok(())
    }

    fn present_newest(&mut self) -> anyhow::Result<()> {
        if self.ending.is_some() || !self.sink.can_present() {
            return Ok(());
        }
        // --frames N shows exactly N: no commit beyond those that may still be presented.
        // A discarded commit leaves the flight, so another frame takes its place.
        if let Some(wanted) = self.frames_wanted {
            if self.stats.frames_presented + self.sink.frames_in_flight() >= wanted {
                return Ok(());
            }
        }
        if let Some(index) = self.pool.take_pending() {
            self.sink.present(index, &mut self.events)?;
            self.handle_events()?;
        }
        Ok(())
    }

    fn on_display_ready(&mut self) -> anyhow::Result<()> {
        self.sink.dispatch(&mut self.events)?;
        self.handle_events()?;
        self.present_newest()
    }

    /// Acts on the sink's events in `self.events`, leaving it empty with its allocation kept.
    fn handle_events(&mut self) -> anyhow::Result<()> {
        let mut events = std::mem::take(&mut self.events);
        for event in events.drain(..) {
            match event {
                SinkEvent::Committed { index, time } => self.record(|r| r.committed(index, time)),
                SinkEvent::Discarded(index) => self.record(|r| r.discarded(index)),
                SinkEvent::Presented { index, time } => {
                    self.record(|r| r.presented(index, time, monotonic_now()));
                    if let Some(g2g) = self.g2g() {
                        g2g.frame_presented(index, time);
                    }
                    self.stats.frames_presented += 1;
                    if self.stats.frames_presented == 1 {
                        say!(
                            "glasscam: first frame on screen {} ms after streaming started",
                            self.started.elapsed().as_millis()
                        );
                    }
                    if Some(self.stats.frames_presented) == self.frames_wanted {
                        self.ending.get_or_insert(Ok(Ending::FramesDone));
                    }
                }
                SinkEvent::Released(index) => {
                    self.pool.released(index)?;
                    self.requeue(index)?;
                }
                SinkEvent::CloseRequested => {
                    self.ending.get_or_insert(Ok(Ending::Closed));
                }
                SinkEvent::MarkerPresented {
                    white,
                    time,
                    refresh_ns,
                } => {
                    if let Some(g2g) = self.g2g() {
                        g2g.marker_presented(time, white, refresh_ns);
                    }
                }
            }
        }
        self.events = events;
        Ok(())
    }

    fn watchdog(&mut self) -> anyhow::Result<()> {
        if let Some(bench) = &mut self.bench {
            bench.status();
        }
        self.sink.check_progress()?;
        if self.last_frame.elapsed() > STALL_TIMEOUT {
            return Err(CaptureError::Stalled {
                path: self.stream.path().to_owned(),
                seconds: STALL_TIMEOUT.as_secs(),
            }
            .into());
        }
        Ok(())
    }

    /// Records the first error or ending; the loop stops after this dispatch.
    fn finish_with(&mut self, result: anyhow::Result<()>) {
        if let Err(e) = result {
            if !matches!(self.ending, Some(Err(_))) {
                self.ending = Some(Err(e));
            }
        }
    }
}

/// The formats to try, best first: the one asked for, else the camera's current one and then
/// the rest in the driver's order, keeping only those a display can take directly.
fn candidate_formats(camera: &Camera, wanted: Option<u32>) -> anyhow::Result<Vec<PixelFormat>> {
    let offered = camera.formats()?;
    let names = || {
        offered
            .iter()
            .map(|(f, _)| fourcc_name(*f))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if let Some(wanted) = wanted {
        if !offered.iter().any(|(f, _)| *f == wanted) {
            return Err(CaptureError::NoSuchFormat {
                path: camera.path.clone(),
                wanted: fourcc_name(wanted),
                available: names(),
            }
            .into());
        }
        let pixel = PixelFormat::from_v4l2(wanted).ok_or_else(|| {
            anyhow!(
                "glasscam cannot show {} yet: no display format matches it and it cannot convert it",
                fourcc_name(wanted)
            )
        })?;
        return Ok(vec![pixel]);
    }
    let current = camera.current_fourcc().ok();
    let mut codes: Vec<u32> = offered.iter().map(|(f, _)| *f).collect();
    codes.sort_by_key(|&f| Some(f) != current);
    let candidates: Vec<PixelFormat> = codes
        .into_iter()
        .filter_map(PixelFormat::from_v4l2)
        .collect();
    if candidates.is_empty() {
        bail!(
            "{} offers no format glasscam can show or convert ({})",
            camera.path.display(),
            names()
        );
    }
    Ok(candidates)
}

type Opened = (Sink, Source, Vec<ExportedBuffer>, StreamFormat, String);

/// The camera, configured, with its buffers exported, and the display that will show it.
fn open_camera(cli: &Cli, backend: Backend) -> anyhow::Result<Opened> {
    let camera = Camera::open(&cli.device)?;
    if let Some(fourcc) = mjpeg_choice(&camera, cli)? {
        return open_mjpeg_camera(cli, backend, camera, fourcc);
    }
    let candidates = candidate_formats(&camera, cli.format.map(|f| f.0))?;
    let (sink, pixel) = ladder::open_display(cli, backend, &camera.path, &candidates)?;
    let size = frame_size(cli, &sink, &camera, pixel.v4l2);
    let format = camera.configure(FormatRequest {
        fourcc: Some(pixel.v4l2),
        size,
        fps: cli.fps,
    })?;
    let count = MIN_BUFFERS.max(sink.buffers_held() + CAPTURE_HEADROOM);
    let device = format!("{} ({})", camera.path.display(), camera.card);
    let (stream, exported) = Stream::allocate(camera, format.mem_planes.clone(), count as u32)?;
    Ok((sink, Source::Camera(stream), exported, format, device))
}

/// The size asked for; else the display's own, if the camera has it (no scaling needed).
fn frame_size(cli: &Cli, sink: &Sink, camera: &Camera, fourcc: u32) -> Option<(u32, u32)> {
    cli.size.map(|s| (s.width, s.height)).or_else(|| {
        let (w, h) = sink.natural_size()?;
        camera
            .frame_sizes(fourcc)
            .iter()
            .any(|s| s.contains(w, h))
            .then_some((w, h))
    })
}

/// MJPEG when asked for, when the camera offers nothing glasscam shows uncompressed, or when
/// only MJPEG has the size asked for: webcams often send HD sizes only as MJPEG.
fn mjpeg_choice(camera: &Camera, cli: &Cli) -> anyhow::Result<Option<u32>> {
    let offered: Vec<u32> = camera.formats()?.into_iter().map(|(f, _)| f).collect();
    let is_offered_mjpeg = |f: &u32| mjpeg_camera::FOURCCS.contains(f) && offered.contains(f);
    if let Some(wanted) = cli.format {
        return Ok(Some(wanted.0).filter(is_offered_mjpeg));
    }
    let Some(mjpeg) = offered.iter().copied().find(is_offered_mjpeg) else {
        return Ok(None);
    };
    let uncompressed: Vec<u32> = offered
        .iter()
        .copied()
        .filter(|&f| PixelFormat::from_v4l2(f).is_some())
        .collect();
    let has_size = |fourcc: u32, (w, h): (u32, u32)| {
        camera.frame_sizes(fourcc).iter().any(|s| s.contains(w, h))
    };
    let only_mjpeg_has_size = cli.size.is_some_and(|s| {
        let size = (s.width, s.height);
        has_size(mjpeg, size) && !uncompressed.iter().any(|&f| has_size(f, size))
    });
    Ok((uncompressed.is_empty() || only_mjpeg_has_size).then_some(mjpeg))
}

/// XRGB8888, what MJPEG frames are decoded to.
fn xrgb8888() -> anyhow::Result<PixelFormat> {
    crate::capture::decoded_format().ok_or_else(|| anyhow!("BGR4 missing from the format table"))
}

/// A camera sending MJPEG, decoded into XRGB8888 dmabufs the display takes.
fn open_mjpeg_camera(
    cli: &Cli,
    backend: Backend,
    camera: Camera,
    fourcc: u32,
) -> anyhow::Result<Opened> {
    let (sink, _) = ladder::open_display(cli, backend, &camera.path, &[xrgb8888()?])?;
    let count = MIN_BUFFERS.max(sink.buffers_held() + CAPTURE_HEADROOM);
    let request = FormatRequest {
        fourcc: Some(fourcc),
        size: frame_size(cli, &sink, &camera, fourcc),
        fps: cli.fps,
    };
    let device = format!(
        "{} ({}, {} decoded)",
        camera.path.display(),
        camera.card,
        fourcc_name(fourcc)
    );
    let (source, exported, format) = MjpegCamera::open(camera, request, count)?;
    Ok((sink, Source::Mjpeg(source), exported, format, device))
}

/// An MJPEG file played at --fps (24 unless given), decoded into XRGB8888 dmabufs.
fn open_file(cli: &Cli, backend: Backend, input: &std::path::Path) -> anyhow::Result<Opened> {
    let (sink, _) = ladder::open_display(cli, backend, input, &[xrgb8888()?])?;
    let count = MIN_BUFFERS.max(sink.buffers_held() + CAPTURE_HEADROOM);
    let (file, exported, format) = FileSource::open(input, cli.fps.unwrap_or(24), count)?;
    let device = format!("{} (MJPEG, {} frames)", input.display(), file.frame_count());
    Ok((sink, Source::File(file), exported, format, device))
}

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

    let (mut sink, mut stream, exported, format, device) = match &cli.input {
        Some(input) => open_file(cli, backend, input)?,
        None => open_camera(cli, backend)?,
    };
    // A display may advertise a format and still refuse the buffers, and the GPU may fail to
    // import them: with --path auto, each steps down a rung, once.
    while let Err(error) = sink.import(&exported, &format, &device) {
        let step = match ladder::rung_below(sink.rung(), &error) {
            Some(step) if cli.path == PathChoice::Auto => step,
            _ => return Err(error),
        };
        drop(sink);
        sink = ladder::step_down(cli, backend, stream.path(), &format.pixel, step, &error)?;
    }
    // bench --g2g is refused here, before the start-up line, if the marker cannot be shown.
    let g2g = match &cli.command {
        Some(Command::Bench(args)) if args.g2g => {
            let run = G2gRun::new(&exported, &format, args.g2g_hold)?;
            sink.enable_marker()?;
            Some(run)
        }
        _ => None,
    };
    say!(
        "glasscam: {device} {} -> {}, path {}, {}",
        format.describe(),
        sink.describe(),
        sink.path_name(),
        match sink.rung() {
            "copy" => format!(
                "1 copy per frame ({} bytes)",
                format.width * format.height * 4
            ),
            "gpu" => "0 copies per frame (converted on the GPU)".to_string(),
            _ => "0 copies per frame".to_string(),
        }
    );

    for index in 0..stream.buffer_count() {
        stream.queue(index)?;
    }
    stream.start()?;

    let stats = Stats {
        path: sink.path_name(),
        device: stream.path().display().to_string(),
        display: sink.display_name(),
        format: format.pixel.name(),
        width: format.width,
        height: format.height,
        buffers: stream.buffer_count(),
        ..Stats::default()
    };
    let buffer_count = stream.buffer_count();
    let mut pipeline = Pipeline {
        pool: BufferPool::new(buffer_count),
        stream,
        sink,
        stats,
        frames_wanted: cli.frames,
        last_sequence: None,
        last_frame: Instant::now(),
        started: Instant::now(),
        ending: None,
        bench: None,
        events: Vec::with_capacity(8),
    };
    // The first marker flip once the picture is up; each flip sets the time of the next.
    let mut next_marker = g2g.is_some().then(|| Instant::now() + G2G_START);
    if let Some(Command::Bench(args)) = &cli.command {
        let mut bench = Bench::new(args.clone(), buffer_count);
        bench.g2g = g2g;
        pipeline.bench = Some(bench);
    }

    let started = Instant::now();
    let mut next_watchdog = started + WATCHDOG_PERIOD;
    while pipeline.ending.is_none() {
        let deadline = next_marker.map_or(next_watchdog, |m: Instant| m.min(next_watchdog));
        let wake = event_loop
            .wait(pipeline.stream.as_fd(), pipeline.sink.as_fd(), deadline)
            .context("waiting for events")?;
        if let Some(signal) = wake.signal {
            pipeline.ending.get_or_insert(Ok(Ending::Signal(signal)));
        }
        if wake.camera {
            let result = pipeline.on_camera_ready();
            pipeline.finish_with(result);
        }
        if wake.display {
            let result = pipeline.on_display_ready();
            pipeline.finish_with(result);
        }
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
    let elapsed = started.elapsed();

    // Teardown order matters: the display lets go of the buffers before the camera frees them.
    let Pipeline {
        stream,
        mut sink,
        pool,
        mut stats,
        ending,
        mut bench,
        ..
    } = pipeline;
    if let Some(g2g) = bench.as_mut().and_then(|b| b.g2g.as_mut()) {
        g2g.unmap();
    }
    stats.presentation = sink.presentation();
    let display_clock = sink.presentation_clock();
    sink.restore();
    drop(sink);
    drop(exported);
    let released = stream.release();

    let tally = pool.tally();
    stats.frames_stale = tally.stale;
    stats.buffers_released = tally.released;
    // Never shown: stale, error-flagged, and the one or two still pending or in flight at exit.
    stats.frames_dropped = stats.frames_captured.saturating_sub(stats.frames_presented);
    stats.bytes_copied = stats::bytes_copied();
    stats.bytes_decoded = stats::bytes_decoded();
    stats.duration_s = elapsed.as_secs_f64();
    stats.presented_fps = stats.frames_presented as f64 / elapsed.as_secs_f64().max(1e-9);
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
