//! The running pipeline: camera → buffer ownership → path → display → released back to the
//! camera. Its fields are declared in teardown order, so that however a run ends, the
//! display lets go of the buffers before the camera frees them.

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::buffers::BufferPool;
use crate::capture::{CaptureError, ExportedBuffer, Source, StreamFormat};
use crate::display::{Hotplug, SeatChange};
use crate::dmabuf::Allocator;
use crate::event_loop::Wake;
use crate::keys::{Key, KeyFile};
use crate::latency::bench::Bench;
use crate::latency::record::Fate;
use crate::path::ladder::{self, Request};
use crate::path::{FrameEvent, FramePath, PathError, Rung};
use crate::snapshot::Snapshots;
use crate::stats::Stats;

/// Without a frame for this long the camera counts as stalled (TCG guests manage a few fps).
const STALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the loop ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    FramesDone,
    Signal(Signal),
    /// The user closed the window (or pressed Q or Escape).
    Closed,
}

pub struct Pipeline {
    /// Dropped first: the display restored, its imports and the GPU's gone.
    pub path: FramePath,
    /// What the ladder was asked, the stream's format and the camera's name: what a step
    /// down while streaming needs.
    pub request: Request,
    pub format: StreamFormat,
    pub device: String,
    /// The display refused the rung while streaming: the loop stops to step down to this.
    pub refused: Option<(Rung, PathError)>,
    /// The bench's maps of the camera buffers (g2g) go before the buffers.
    pub bench: Option<Bench>,
    pub exported: Vec<ExportedBuffer>,
    /// Dropped last: streaming stops and the camera frees its buffers.
    pub source: Source,
    pub pool: BufferPool,
    pub stats: Stats,
    pub frames_wanted: Option<u64>,
    pub last_sequence: Option<u32>,
    pub last_frame: Instant,
    /// When streaming started, for the time to the first frame.
    pub started: Instant,
    pub ending: Option<Result<Ending, anyhow::Error>>,
    /// The path's events, reused from frame to frame: nothing is allocated per frame.
    pub events: Vec<FrameEvent>,
    /// `--keys`: key presses from a file.
    pub keys: Option<KeyFile>,
    pub snapshots: Snapshots,
    /// S was pressed: the next good frame is written out before it is shown.
    pub snapshot_wanted: bool,
    /// C or Z was pressed: the loop stops for the camera or its size to change.
    pub switch_wanted: Option<Key>,
}

/// Buffers the driver should hold: one it fills, and the next.
const MIN_QUEUED: usize = 2;

impl Pipeline {
    /// Whether the next wait must include the display. On KMS a flip's completion is read
    /// with the camera's next frame, one wait per frame instead of two, unless something
    /// waits on it: the first frame's line, a frame to show, a camera short of buffers, or
    /// the end of the run.
    pub fn display_wake_needed(&self) -> bool {
        if !self.path.display_events_may_wait() {
            return true;
        }
        let in_flight = self.path.frames_in_flight();
        let last_committed = self
            .frames_wanted
            .is_some_and(|wanted| self.stats.frames_presented + in_flight >= wanted);
        in_flight > 0
            && (self.stats.frames_presented == 0
                || self.pool.has_pending()
                || self.pool.in_capture() < MIN_QUEUED
                || last_committed
                || self.ending.is_some())
    }

    /// Reads the display's events left for this wake (display_wake_needed).
    fn catch_up_display(&mut self) -> anyhow::Result<()> {
        if self.path.display_events_may_wait() && self.path.frames_in_flight() > 0 {
            self.path.dispatch(&mut self.events)?;
            self.handle_events()?;
        }
        Ok(())
    }

    pub fn on_camera_ready(&mut self) -> anyhow::Result<()> {
        // The buffer a completed flip let go goes back to the camera first.
        self.catch_up_display()?;
        while let Some(frame) = self.source.dequeue()? {
            self.last_frame = Instant::now();
            self.stats.frames_captured += 1;
            if let Some(bench) = &mut self.bench {
                bench.frame_dequeued(&frame);
            }
            self.count_gap(frame.sequence);
            if frame.is_error() {
                self.stats.frames_error += 1;
                self.dropped(frame.index, Fate::Error);
                self.pool.rejected(frame.index)?;
                self.requeue(frame.index)?;
                continue;
            }
            if std::mem::take(&mut self.snapshot_wanted) {
                if let Some(buffer) = self.exported.get(frame.index) {
                    self.snapshots.take(buffer, &self.format);
                }
            }
            if let Some(stale) = self.pool.dequeued(frame.index)? {
                self.dropped(stale, Fate::Skipped);
                self.requeue(stale)?;
            }
            // No newer frame can be done: another dequeue would only say so.
            let now = crate::clock::monotonic_now();
            if self
                .format
                .frame_interval()
                .is_some_and(|i| frame.is_fresh(i, now))
            {
                break;
            }
        }
        self.present_newest()
    }

    /// Frames the driver lost, from a gap in the sequence numbers.
    fn count_gap(&mut self, sequence: u32) {
        if let Some(last) = self.last_sequence {
            // wrapping_sub: the 32-bit sequence may wrap on long runs.
            let gap = sequence.wrapping_sub(last).wrapping_sub(1);
            if gap < u32::MAX / 2 {
                self.stats.sequence_gaps += u64::from(gap);
            }
        }
        self.last_sequence = Some(sequence);
    }

    fn dropped(&mut self, index: usize, fate: Fate) {
        if let Some(bench) = &mut self.bench {
            bench.frame_dropped(index, fate);
        }
    }

    /// Gives a buffer back to the camera; the pool has already checked nobody reads it.
    fn requeue(&mut self, index: usize) -> anyhow::Result<()> {
        self.source.queue(index)?;
        if let Some(bench) = &mut self.bench {
            bench.buffer_requeued(index);
        }
        self.stats.requeues += 1;
        Ok(())
    }

    fn present_newest(&mut self) -> anyhow::Result<()> {
        if self.ending.is_some() || !self.path.can_present() {
            return Ok(());
        }
        // --frames N shows exactly N: no commit beyond those that may still be presented.
        // A discarded commit leaves the flight, so another frame takes its place.
        if let Some(wanted) = self.frames_wanted {
            if self.stats.frames_presented + self.path.frames_in_flight() >= wanted {
                return Ok(());
            }
        }
        if let Some(index) = self.pool.take_pending() {
            self.path.present(index, &mut self.events)?;
            self.handle_events()?;
        }
        Ok(())
    }

    pub fn on_display_ready(&mut self) -> anyhow::Result<()> {
        self.path.dispatch(&mut self.events)?;
        self.handle_events()?;
        self.present_newest()
    }

    /// The display's side of a wake: its events, a hotplug, the seat; an error becomes the
    /// run's ending.
    pub fn on_display_wake(&mut self, wake: &Wake) {
        if wake.display {
            let result = self.on_display_ready();
            self.finish_with(result);
        }
        if wake.hotplug {
            let result = self.on_hotplug(false);
            self.finish_with(result);
        }
        if wake.seat {
            let result = self.on_seat();
            self.finish_with(result);
        }
    }

    /// A display was plugged or unplugged (a uevent; with `anyway`, the watchdog's look):
    /// said in one line, counted when it is back.
    pub fn on_hotplug(&mut self, anyway: bool) -> anyhow::Result<()> {
        // A flip in flight defers the decision (the CRTC may change): one that completed
        // but was not read yet must not.
        self.catch_up_display()?;
        match self.path.hotplug(anyway)? {
            Some(Hotplug::Disconnected(name)) => {
                say!("glasscam: {name} was disconnected; waiting for a display");
            }
            Some(Hotplug::Reconnected(name)) => {
                self.stats.display_reconnects += 1;
                say!("glasscam: {name} is connected again; showing the camera");
            }
            Some(Hotplug::Moved { from, to }) => {
                self.stats.display_reconnects += 1;
                say!("glasscam: {from} was disconnected; showing the camera on {to}");
            }
            None => {}
        }
        self.present_newest()
    }

    /// The seat manager paused (a VT switch away) or resumed the session: said in one line,
    /// pauses counted. The camera streams on meanwhile, its frames requeued unshown: no
    /// stream restart (whose renegotiation a driver may refuse) when the VT comes back.
    pub fn on_seat(&mut self) -> anyhow::Result<()> {
        let mut events = std::mem::take(&mut self.events);
        let change = self.path.seat_changed(&mut events);
        self.events = events;
        match change {
            Some(SeatChange::Paused) => {
                self.stats.seat_pauses += 1;
                say!("glasscam: the seat went to another session (VT switch); paused");
            }
            Some(SeatChange::Resumed) => {
                say!("glasscam: the seat is back; showing the camera again");
            }
            None => {}
        }
        self.handle_events()?;
        self.present_newest()
    }

    /// Acts on the path's events in `self.events`, leaving it empty with its allocation kept.
    fn handle_events(&mut self) -> anyhow::Result<()> {
        let mut events = std::mem::take(&mut self.events);
        for event in events.drain(..) {
            if let Some(bench) = &mut self.bench {
                bench.observe(&event);
            }
            match event {
                FrameEvent::Presented { .. } => self.presented(),
                FrameEvent::Released(index) => {
                    self.pool.released(index)?;
                    self.requeue(index)?;
                }
                FrameEvent::CloseRequested => {
                    self.ending.get_or_insert(Ok(Ending::Closed));
                }
                FrameEvent::Key(key) => self.on_key(key),
                FrameEvent::Committed { .. }
                | FrameEvent::Discarded(_)
                | FrameEvent::MarkerPresented { .. } => {}
            }
        }
        self.events = events;
        Ok(())
    }

    fn presented(&mut self) {
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

    /// Flips the g2g marker; returns how long to hold the new colour.
    pub fn flip_marker(&mut self) -> anyhow::Result<Duration> {
        let Some((white, hold)) = self
            .bench
            .as_mut()
            .map(Bench::flip_marker)
            .transpose()?
            .flatten()
        else {
            return Ok(Duration::MAX);
        };
        self.path.flip_marker(white)?;
        Ok(hold)
    }

    pub fn watchdog(&mut self) -> anyhow::Result<()> {
        if let Some(bench) = &mut self.bench {
            bench.status();
        }
        // Reads a completed flip first (on_hotplug): that is no stuck display either.
        self.on_hotplug(true)?;
        if let Err(why) = self.path.check_progress() {
            match ladder::lower_rung(&self.request, self.path.rung(), &why) {
                Some(lower) => self.refused = Some((lower, why)),
                None => return Err(why.into()),
            }
        }
        if self.last_frame.elapsed() > STALL_TIMEOUT {
            return Err(CaptureError::Stalled {
                path: self.source.path().to_owned(),
                seconds: STALL_TIMEOUT.as_secs(),
            }
            .into());
        }
        Ok(())
    }

    /// Replaces the refused rung with `lower` while the camera streams on: the old display
    /// goes first, with the camera buffers it held, which go back to the camera.
    pub fn step_down(mut self, lower: Rung, why: PathError) -> anyhow::Result<Pipeline> {
        // The lower rung shows the view as it is now (M, R, + and -), not as it started.
        self.request.view = self.path.view();
        let refused = self.path;
        self.path = ladder::replace(
            &self.request,
            refused,
            lower,
            why,
            &self.exported,
            &self.format,
        )?;
        for index in self.pool.reclaim_from_display() {
            self.requeue(index)?;
        }
        if self.bench.as_ref().is_some_and(|b| b.g2g.is_some()) {
            self.path.enable_marker()?;
        }
        let allocator = self
            .path
            .allocator(self.source.allocator())
            .map_or("none", Allocator::name);
        super::say_started(&self.path, &self.format, &self.device, allocator);
        self.stats.path = self.path.name();
        self.stats.allocator = allocator.to_string();
        Ok(self)
    }

    /// Keys written to `--keys` since the last wake.
    pub fn on_key_file(&mut self) {
        let keys = self
            .keys
            .as_mut()
            .map(KeyFile::read_keys)
            .unwrap_or_default();
        for key in keys {
            self.on_key(key);
        }
    }

    /// A key from the window or `--keys`.
    fn on_key(&mut self, key: Key) {
        match key {
            Key::View(view_key) => self.path.change_view(view_key),
            Key::Snapshot => self.snapshot_wanted = true,
            Key::NextCamera | Key::NextSize => self.switch_wanted = Some(key),
            Key::Quit => {
                self.ending.get_or_insert(Ok(Ending::Closed));
            }
        }
    }

    /// Records the first error or ending; the loop stops after this dispatch.
    pub fn finish_with(&mut self, result: anyhow::Result<()>) {
        if let Err(e) = result {
            if !matches!(self.ending, Some(Err(_))) {
                self.ending = Some(Err(e));
            }
        }
    }
}
