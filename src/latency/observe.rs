//! The bench as an observer of the pipeline: it sees each frame's events as they happen and
//! never reaches into the capture or the display.

use std::time::Duration;

use super::bench::Bench;
use super::record::Fate;
use crate::capture::Dequeued;
use crate::clock::monotonic_now;
use crate::path::FrameEvent;

impl Bench {
    /// A frame came out of the camera.
    pub fn frame_dequeued(&mut self, frame: &Dequeued) {
        self.recorder.dequeued(
            frame.index,
            frame.sequence,
            frame.flags,
            frame.timestamp,
            monotonic_now(),
        );
        if !frame.is_error() {
            if let Some(g2g) = &mut self.g2g {
                g2g.frame_dequeued(frame.index);
            }
        }
    }

    /// A frame never reached the display.
    pub fn frame_dropped(&mut self, index: usize, fate: Fate) {
        self.recorder.dropped(index, fate);
    }

    /// A buffer went back to the camera.
    pub fn buffer_requeued(&mut self, index: usize) {
        self.recorder.requeued(index, monotonic_now());
    }

    /// What the path reported about a frame, or about the g2g marker.
    pub fn observe(&mut self, event: &FrameEvent) {
        match *event {
            FrameEvent::Committed { index, time } => self.recorder.committed(index, time),
            FrameEvent::Discarded(index) => self.recorder.discarded(index),
            FrameEvent::Presented { index, time } => {
                self.recorder.presented(index, time, monotonic_now());
                if let Some(g2g) = &mut self.g2g {
                    g2g.frame_presented(index, time);
                }
            }
            FrameEvent::MarkerPresented {
                white,
                time,
                refresh_ns,
            } => {
                if let Some(g2g) = &mut self.g2g {
                    g2g.marker_presented(time, white, refresh_ns);
                }
            }
            FrameEvent::Released(_) | FrameEvent::CloseRequested | FrameEvent::Key(_) => {}
        }
    }

    /// bench --g2g: flips the marker; the colour and how long to hold it.
    pub fn flip_marker(&mut self) -> anyhow::Result<Option<(bool, Duration)>> {
        match &mut self.g2g {
            Some(g2g) => Ok(Some(g2g.flip()?)),
            None => Ok(None),
        }
    }
}
