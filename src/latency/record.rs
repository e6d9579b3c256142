//! Per-frame timestamps through the pipeline, kept by the viewer as it runs: the camera's
//! own timestamp, DQBUF, commit, presentation and requeue, all on CLOCK_MONOTONIC.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;

use super::camera_clock::CameraClock;

/// What became of a captured frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// On screen.
    Presented,
    /// Replaced by a newer frame before the display could take it.
    Skipped,
    /// Committed, then dropped by the compositor without being shown.
    Discarded,
    /// Flagged V4L2_BUF_FLAG_ERROR by the driver.
    Error,
    /// Still on its way when the run ended.
    Unfinished,
}

/// One captured frame. Times are nanoseconds of CLOCK_MONOTONIC.
#[derive(Debug, Clone, Serialize)]
pub struct FrameRecord {
    pub sequence: u32,
    pub buffer: usize,
    /// The driver's timestamp, kept only when it is on CLOCK_MONOTONIC.
    pub camera_ns: Option<u64>,
    pub dequeued_ns: u64,
    /// When the display accepted the commit (after any conversion on the gpu/copy rungs).
    pub committed_ns: Option<u64>,
    /// The display's own presentation time (flip event, wp_presentation), converted to
    /// CLOCK_MONOTONIC; or when glasscam heard of it, if `presented_by_receipt`.
    pub presented_ns: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub presented_by_receipt: bool,
    /// When the buffer went back to the camera.
    pub requeued_ns: Option<u64>,
    pub fate: Fate,
}

fn ns(time: Duration) -> u64 {
    time.as_nanos() as u64
}

/// Follows every frame from DQBUF to requeue. Driven by the viewer's event handlers.
#[derive(Debug, Default)]
pub struct Recorder {
    frames: Vec<FrameRecord>,
    /// The frame each buffer holds now: record number by buffer index.
    in_buffer: Vec<Option<usize>>,
    /// Committed frames awaiting presentation, in commit order.
    in_flight: VecDeque<usize>,
    camera_clock: Option<CameraClock>,
    /// Monotonic camera timestamps too far from their DQBUF to be capture times.
    timestamps_refused: u64,
}

/// A camera timestamp further than this from its DQBUF is no capture time on this clock (a
/// wrapped or offset clock): comparing it would invent a latency.
pub const MAX_TIMESTAMP_DISTANCE: Duration = Duration::from_secs(10);

impl Recorder {
    pub fn new(buffers: usize) -> Recorder {
        Recorder {
            in_buffer: vec![None; buffers],
            ..Recorder::default()
        }
    }

    pub fn frames(&self) -> &[FrameRecord] {
        &self.frames
    }

    /// Camera timestamps left out for lying more than MAX_TIMESTAMP_DISTANCE from DQBUF.
    pub fn timestamps_refused(&self) -> u64 {
        self.timestamps_refused
    }

    /// The camera's clock as its first frame said.
    pub fn camera_clock(&self) -> Option<CameraClock> {
        self.camera_clock
    }

    fn current(&mut self, buffer: usize) -> Option<&mut FrameRecord> {
        let id = (*self.in_buffer.get(buffer)?)?;
        self.frames.get_mut(id)
    }

    pub fn dequeued(
        &mut self,
        buffer: usize,
        sequence: u32,
        flags: u32,
        camera_time: Duration,
        now: Duration,
    ) {
        let clock = CameraClock::from_v4l2_flags(flags);
        self.camera_clock.get_or_insert(clock);
        if buffer >= self.in_buffer.len() {
            self.in_buffer.resize(buffer + 1, None);
        }
        self.in_buffer[buffer] = Some(self.frames.len());
        let distance = now.abs_diff(camera_time);
        let comparable = clock.is_monotonic() && distance <= MAX_TIMESTAMP_DISTANCE;
        if clock.is_monotonic() && !comparable {
            self.timestamps_refused += 1;
        }
        self.frames.push(FrameRecord {
            sequence,
            buffer,
            camera_ns: comparable.then(|| ns(camera_time)),
            dequeued_ns: ns(now),
            committed_ns: None,
            presented_ns: None,
            presented_by_receipt: false,
            requeued_ns: None,
            fate: Fate::Unfinished,
        });
    }

    /// The frame in `buffer` will not be shown: `fate` says why.
    pub fn dropped(&mut self, buffer: usize, fate: Fate) {
        if let Some(frame) = self.current(buffer) {
            frame.fate = fate;
        }
    }

    pub fn committed(&mut self, buffer: usize, now: Duration) {
        if let Some(id) = self.in_buffer.get(buffer).copied().flatten() {
            self.frames[id].committed_ns = Some(ns(now));
            self.in_flight.push_back(id);
        }
    }

    /// The oldest committed frame from `buffer`: presentation events come in commit order,
    /// and on the converting rungs the buffer may hold a newer frame by then.
    fn take_in_flight(&mut self, buffer: usize) -> Option<&mut FrameRecord> {
        let position = self
            .in_flight
            .iter()
            .position(|&id| self.frames[id].buffer == buffer)?;
        let id = self.in_flight.remove(position)?;
        self.frames.get_mut(id)
    }

    /// On screen at `display_time` (CLOCK_MONOTONIC), or, without one, heard of `now`.
    pub fn presented(&mut self, buffer: usize, display_time: Option<Duration>, now: Duration) {
        if let Some(frame) = self.take_in_flight(buffer) {
            frame.presented_ns = Some(ns(display_time.unwrap_or(now)));
            frame.presented_by_receipt = display_time.is_none();
            frame.fate = Fate::Presented;
        }
    }

    pub fn discarded(&mut self, buffer: usize) {
        if let Some(frame) = self.take_in_flight(buffer) {
            frame.fate = Fate::Discarded;
        }
    }

    /// The buffer went back to the camera. It still names its frame until the next DQBUF:
    /// on the converting rungs the sink releases the buffer before it reports the commit.
    pub fn requeued(&mut self, buffer: usize, now: Duration) {
        if let Some(frame) = self.current(buffer) {
            frame.requeued_ns.get_or_insert(ns(now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::sys::V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC as MONO;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_direct_frame_gets_every_stage_in_order() {
        let mut r = Recorder::new(4);
        r.dequeued(2, 7, MONO, ms(100), ms(101));
        r.committed(2, ms(102));
        r.presented(2, Some(ms(110)), ms(111));
        r.requeued(2, ms(150));
        let f = &r.frames()[0];
        assert_eq!(f.sequence, 7);
        assert_eq!(f.camera_ns, Some(100_000_000));
        assert_eq!(f.dequeued_ns, 101_000_000);
        assert_eq!(f.committed_ns, Some(102_000_000));
        assert_eq!(f.presented_ns, Some(110_000_000));
        assert_eq!(f.requeued_ns, Some(150_000_000));
        assert_eq!(f.fate, Fate::Presented);
        assert!(!f.presented_by_receipt);
    }

    #[test]
    fn a_converted_frame_is_matched_after_its_buffer_was_refilled() {
        // Copy rung: the buffer is requeued at commit, and refilled before the flip.
        let mut r = Recorder::new(2);
        r.dequeued(0, 1, MONO, ms(10), ms(11));
        r.committed(0, ms(12));
        r.requeued(0, ms(12));
        r.dequeued(0, 2, MONO, ms(20), ms(21));
        r.presented(0, None, ms(25));
        let frames = r.frames();
        assert_eq!(frames[0].presented_ns, Some(25_000_000));
        assert!(frames[0].presented_by_receipt);
        assert_eq!(frames[0].requeued_ns, Some(12_000_000));
        assert_eq!(frames[1].fate, Fate::Unfinished);
        assert_eq!(frames[1].presented_ns, None);
    }

    #[test]
    fn a_release_reported_before_the_commit_still_finds_the_frame() {
        let mut r = Recorder::new(1);
        r.dequeued(0, 1, MONO, ms(1), ms(2));
        r.requeued(0, ms(3));
        r.committed(0, ms(3));
        r.presented(0, Some(ms(9)), ms(9));
        let f = &r.frames()[0];
        assert_eq!(
            (f.committed_ns, f.presented_ns),
            (Some(3_000_000), Some(9_000_000))
        );
    }

    #[test]
    fn a_timestamp_far_from_its_dequeue_is_refused_not_compared() {
        let mut r = Recorder::new(2);
        let soe = MONO | crate::capture::sys::V4L2_BUF_FLAG_TSTAMP_SRC_SOE;
        let now = Duration::from_secs(40);
        // vivid's wrap_timestamp: near 2^63 ns, then past the wrap (clamped to zero).
        r.dequeued(0, 1, soe, Duration::from_secs(9_223_372_020), now);
        r.dequeued(1, 2, soe, Duration::ZERO, now + ms(33));
        r.dequeued(0, 3, soe, now + ms(60), now + ms(66));
        let kept: Vec<_> = r.frames().iter().map(|f| f.camera_ns).collect();
        assert_eq!(kept, [None, None, Some((now + ms(60)).as_nanos() as u64)]);
        assert_eq!(r.timestamps_refused(), 2);
    }

    #[test]
    fn a_copied_camera_timestamp_is_not_kept() {
        let mut r = Recorder::new(1);
        r.dequeued(
            0,
            1,
            crate::capture::sys::V4L2_BUF_FLAG_TIMESTAMP_COPY,
            ms(5),
            ms(6),
        );
        assert_eq!(r.frames()[0].camera_ns, None);
        assert_eq!(r.camera_clock(), Some(CameraClock::Copy));
    }

    #[test]
    fn skipped_and_discarded_frames_say_so() {
        let mut r = Recorder::new(3);
        r.dequeued(0, 1, MONO, ms(1), ms(2));
        r.dropped(0, Fate::Skipped);
        r.requeued(0, ms(3));
        r.dequeued(1, 2, MONO, ms(4), ms(5));
        r.committed(1, ms(6));
        r.discarded(1);
        let fates: Vec<Fate> = r.frames().iter().map(|f| f.fate).collect();
        assert_eq!(fates, [Fate::Skipped, Fate::Discarded]);
        // A presentation for a buffer with nothing in flight changes nothing.
        r.presented(2, None, ms(9));
        assert_eq!(r.frames().len(), 2);
    }
}
