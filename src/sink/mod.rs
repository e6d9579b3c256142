//! Displays that take camera dmabufs: one file per backend behind the `Sink` enum.

pub mod kms;

use std::time::Duration;

/// What a display reports back about camera buffers it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkEvent {
    /// The buffer is on screen now; `time` is the display's CLOCK_MONOTONIC timestamp.
    Presented {
        index: usize,
        time: Option<Duration>,
    },
    /// The display no longer reads the buffer: it may go back to the camera.
    Released(usize),
}
