//! Displays that take camera dmabufs: one file per backend behind the `Sink` enum.

mod cpu_copy;
pub mod kms;
pub mod wayland;

use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use crate::capture::{ExportedBuffer, StreamFormat};
use crate::render::GpuConverter;
use kms::KmsSink;
use wayland::WaylandSink;

/// How frames reach the display: the camera's own dmabufs, drawn by the GPU into display
/// buffers, or converted on the CPU.
pub enum Rung {
    Direct,
    Gpu(Box<GpuConverter>),
    Copy,
}

/// What a display reports back about camera buffers it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkEvent {
    /// The display accepted a commit of this buffer (converted first on gpu/copy rungs),
    /// issued at `time` (CLOCK_MONOTONIC).
    Committed { index: usize, time: Duration },
    /// The buffer is on screen now; `time` is the display's CLOCK_MONOTONIC timestamp.
    Presented {
        index: usize,
        time: Option<Duration>,
    },
    /// The compositor dropped the commit of this buffer without showing it.
    Discarded(usize),
    /// The display no longer reads the buffer: it may go back to the camera.
    Released(usize),
    /// The user closed the window or pressed Q or Escape.
    CloseRequested,
    /// The g2g marker turned white (or black) on the glass at `time` (CLOCK_MONOTONIC);
    /// `refresh_ns` is the display's refresh period, 0 if it has none.
    MarkerPresented {
        white: bool,
        time: Option<Duration>,
        refresh_ns: u32,
    },
}

// One sink lives for the whole run, so the variants' sizes don't matter.
#[allow(clippy::large_enum_variant)]
pub enum Sink {
    Kms(KmsSink),
    Wayland(WaylandSink),
}

impl Sink {
    /// "direct", "gpu" or "copy".
    pub fn rung(&self) -> &'static str {
        match self {
            Sink::Kms(s) => s.rung(),
            Sink::Wayland(s) => s.rung(),
        }
    }

    /// The `path` of --stats: which display, and on which rung (kms-direct, wayland-gpu…).
    pub fn path_name(&self) -> String {
        let display = match self {
            Sink::Kms(_) => "kms",
            Sink::Wayland(_) => "wayland",
        };
        format!("{display}-{}", self.rung())
    }

    pub fn describe(&self) -> String {
        match self {
            Sink::Kms(s) => s.describe(),
            Sink::Wayland(s) => s.describe(),
        }
    }

    pub fn display_name(&self) -> String {
        match self {
            Sink::Kms(s) => s.card_path(),
            Sink::Wayland(s) => s.display_name(),
        }
    }

    /// How many camera buffers the display may hold at once.
    pub fn buffers_held(&self) -> usize {
        match self {
            Sink::Kms(s) => s.buffers_held(),
            Sink::Wayland(s) => s.buffers_held(),
        }
    }

    /// The size frames would show at without scaling, if the display has one.
    pub fn natural_size(&self) -> Option<(u32, u32)> {
        match self {
            Sink::Kms(s) => Some(s.current_mode_size()),
            Sink::Wayland(_) => None,
        }
    }

    /// Wayland: what wp_presentation reported so far.
    pub fn presentation(&self) -> Option<crate::stats::Presentation> {
        match self {
            Sink::Kms(_) => None,
            Sink::Wayland(s) => {
                let counts = s.presentation();
                Some(crate::stats::Presentation {
                    presented: counts.presented,
                    discarded: counts.discarded,
                    zero_copy: counts.zero_copy,
                })
            }
        }
    }

    pub fn import(
        &mut self,
        buffers: &[ExportedBuffer],
        format: &StreamFormat,
        device: &str,
    ) -> anyhow::Result<()> {
        match self {
            Sink::Kms(s) => s.import(buffers, format)?,
            Sink::Wayland(s) => s.import(buffers, format, device)?,
        }
        Ok(())
    }

    pub fn can_present(&self) -> bool {
        match self {
            Sink::Kms(s) => s.can_present(),
            Sink::Wayland(s) => s.can_present(),
        }
    }

    /// Where presentation times come from and how they reach CLOCK_MONOTONIC.
    pub fn presentation_clock(&self) -> String {
        match self {
            Sink::Kms(s) => s.presentation_clock(),
            Sink::Wayland(s) => s.presentation_clock(),
        }
    }

    /// Frames handed to the display whose presentation has not been reported yet.
    pub fn frames_in_flight(&self) -> u64 {
        match self {
            Sink::Kms(s) => s.frames_in_flight(),
            Sink::Wayland(s) => s.frames_in_flight(),
        }
    }

    /// Starts showing camera buffer `index`; what happened at once is added to `events`.
    pub fn present(&mut self, index: usize, events: &mut Vec<SinkEvent>) -> anyhow::Result<()> {
        match self {
            Sink::Kms(s) => s.present(index, events)?,
            Sink::Wayland(s) => s.present(index, events)?,
        }
        Ok(())
    }

    /// Reads what the display sent, into `events`.
    pub fn dispatch(&mut self, events: &mut Vec<SinkEvent>) -> anyhow::Result<()> {
        match self {
            Sink::Kms(s) => s.dispatch(events)?,
            Sink::Wayland(s) => s.dispatch(events)?,
        }
        Ok(())
    }

    /// Adds the `bench --g2g` marker, drawn without touching the camera's buffers.
    pub fn enable_marker(&mut self) -> anyhow::Result<()> {
        match self {
            Sink::Kms(s) => Ok(s.enable_marker()?),
            Sink::Wayland(s) => Ok(s.enable_marker()?),
        }
    }

    /// Turns the g2g marker white or black.
    pub fn flip_marker(&mut self, white: bool) -> anyhow::Result<()> {
        match self {
            Sink::Kms(s) => {
                s.flip_marker(white);
                Ok(())
            }
            Sink::Wayland(s) => Ok(s.flip_marker(white)?),
        }
    }

    /// Fails when the display stopped completing frames it must complete (KMS flips).
    pub fn check_progress(&self) -> anyhow::Result<()> {
        match self {
            Sink::Kms(s) => s.check_flip_progress()?,
            // A hidden window legitimately gets no frame callbacks.
            Sink::Wayland(_) => {}
        }
        Ok(())
    }

    /// Puts the display back as found and lets go of every camera buffer.
    pub fn restore(&mut self) {
        match self {
            Sink::Kms(s) => s.restore(),
            Sink::Wayland(s) => s.restore(),
        }
    }
}

impl AsFd for Sink {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Sink::Kms(s) => s.as_fd(),
            Sink::Wayland(s) => s.as_fd(),
        }
    }
}
