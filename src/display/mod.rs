//! The display: one interface that knows only buffers, typed refusals and events. A display
//! imports dmabufs (or makes buffers of its own), presents them, and reports back which it
//! showed and which it no longer reads. It knows nothing of cameras or rungs.

pub mod kms;
pub mod wayland;

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use crate::convert::Colorimetry;
use crate::dmabuf::{
    AllocError, Allocator, FrameAllocator, FrameMemory, Frames, GbmDevice, MemoryKind,
};
use crate::format::PixelFormat;
use crate::keys::Key;
use crate::view::View;
pub use kms::{Hotplug, SeatChange};
use kms::{KmsDisplay, KmsError};
use wayland::{WaylandDisplay, WaylandError};

/// A buffer the display holds, numbered in the order it was imported or made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BufferId(pub usize);

/// One plane of a buffer to import: its memory, where the plane starts, its row pitch.
pub struct ImportPlane<'a> {
    pub fd: BorrowedFd<'a>,
    pub offset: u32,
    pub pitch: u32,
}

/// A buffer to import (a dmabuf, or wl_shm memory), one entry per format plane.
pub struct Import<'a> {
    pub planes: Vec<ImportPlane<'a>>,
    pub format: PixelFormat,
    pub size: (u32, u32),
    pub kind: MemoryKind,
    /// The layout where the buffer's maker chose it (GBM); None: the one the display
    /// negotiated for camera buffers (LINEAR).
    pub modifier: Option<u64>,
}

/// A buffer the display made for glasscam to draw into with the GPU.
pub struct RenderTarget {
    pub id: BufferId,
    pub fd: OwnedFd,
    pub pitch: u32,
    /// The buffer's layout (a DRM format modifier).
    pub modifier: u64,
}

/// The gpu rung's buffers, and who made them.
pub struct RenderTargets {
    pub allocator: Allocator,
    pub targets: Vec<RenderTarget>,
}

/// What the display reports back. `tag` is what the caller gave `present`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayEvent {
    /// The display accepted the commit, issued at `time` (CLOCK_MONOTONIC).
    Committed { tag: usize, time: Duration },
    /// The commit is on the glass since `time` (CLOCK_MONOTONIC, when known); `refresh_ns`
    /// is the display's refresh period, 0 if it has none.
    Presented {
        tag: usize,
        time: Option<Duration>,
        refresh_ns: u32,
    },
    /// The compositor dropped the commit without showing it.
    Discarded(usize),
    /// The display no longer reads the buffer.
    Released(BufferId),
    /// The user closed the window or pressed Q or Escape.
    CloseRequested,
    /// The user pressed one of glasscam's keys in the window (F and Q aside).
    Key(Key),
    /// The overlay square turned white (or black) on the glass.
    OverlayPresented {
        white: bool,
        time: Option<Duration>,
        refresh_ns: u32,
    },
}

/// Why a display would not take what it was offered, as opposed to failing outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It shows none of the formats offered.
    Format,
    /// It advertised the format and then refused the buffers or every placement of them.
    Buffer,
    /// It takes no dmabufs at all, only memory the CPU writes.
    Memory,
    /// It cannot crop, scale or turn the picture as the view asks.
    View,
}

/// Everything that can go wrong on a display.
#[derive(Debug, thiserror::Error)]
pub enum DisplayError {
    /// On a KMS console.
    #[error(transparent)]
    Kms(#[from] KmsError),
    /// On a Wayland compositor.
    #[error(transparent)]
    Wayland(#[from] WaylandError),
}

impl DisplayError {
    /// The refusal this is, if it is one.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            DisplayError::Kms(e) => e.refusal(),
            DisplayError::Wayland(e) => e.refusal(),
        }
    }

    /// Nothing is plugged into the console (yet).
    pub fn is_nothing_connected(&self) -> bool {
        matches!(self, DisplayError::Kms(e) if e.is_nothing_connected())
    }

    /// The display refused every placement of the buffers (as opposed to the buffers).
    pub fn is_no_fit(&self) -> bool {
        matches!(self, DisplayError::Kms(KmsError::NoFit { .. }))
    }
}

/// Which display, and how to find it.
#[derive(Debug, Clone)]
pub enum Target {
    Kms {
        card: Option<PathBuf>,
        connector: Option<String>,
    },
    Wayland {
        fullscreen: bool,
    },
}

/// What the frames will live in: dmabufs (the camera's, or the GPU's targets) or buffers
/// the CPU writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memory {
    Dmabuf,
    Cpu,
}

// One display lives for the whole run, so the variants' sizes don't matter.
#[allow(clippy::large_enum_variant)]
pub enum Display {
    Kms(KmsDisplay),
    Wayland(WaylandDisplay),
}

/// Calls the same method on whichever display this is.
macro_rules! either {
    ($self:expr, $d:ident => $body:expr) => {
        match $self {
            Display::Kms($d) => $body,
            Display::Wayland($d) => $body,
        }
    };
}

impl Display {
    /// Opens the display and picks the first of `candidates` it takes in `memory`; nothing
    /// on screen changes yet.
    pub fn open(
        target: &Target,
        candidates: &[PixelFormat],
        memory: Memory,
    ) -> Result<(Display, PixelFormat), DisplayError> {
        Ok(match target {
            Target::Kms { card, connector } => {
                let (display, format) =
                    KmsDisplay::open(card.as_deref(), connector.as_deref(), candidates)?;
                (Display::Kms(display), format)
            }
            Target::Wayland { fullscreen } => {
                let (display, format) = WaylandDisplay::open(candidates, *fullscreen, memory)?;
                (Display::Wayland(display), format)
            }
        })
    }

    /// "kms" or "wayland", for the `path` of --stats.
    pub fn kind(&self) -> &'static str {
        match self {
            Display::Kms(_) => "kms",
            Display::Wayland(_) => "wayland",
        }
    }

    /// One line saying where frames go.
    pub fn describe(&self) -> String {
        either!(self, d => d.describe())
    }

    /// The DRM card or the Wayland display.
    pub fn name(&self) -> String {
        either!(self, d => d.name())
    }

    /// The connector frames go to, or the Wayland display.
    pub fn output_name(&self) -> String {
        match self {
            Display::Kms(d) => d.output_name(),
            Display::Wayland(d) => d.name(),
        }
    }

    /// How many buffers the display may hold at once.
    pub fn buffers_held(&self) -> usize {
        either!(self, d => d.buffers_held())
    }

    /// The size frames would show at without scaling, if the display has one.
    pub fn natural_size(&self) -> Option<(u32, u32)> {
        match self {
            Display::Kms(d) => Some(d.current_mode_size()),
            Display::Wayland(_) => None,
        }
    }

    /// Names the window after what it shows, where there is one.
    pub fn set_title(&mut self, title: &str) {
        if let Display::Wayland(d) = self {
            d.set_title(title);
        }
    }

    /// Wraps each dmabuf in a display buffer, in order; a refusal is typed.
    pub fn import(&mut self, buffers: &[Import<'_>]) -> Result<Vec<BufferId>, DisplayError> {
        Ok(either!(self, d => d.import(buffers)?))
    }

    /// `count` XRGB8888 buffers of `size` from the display's own device, for the GPU.
    pub fn render_targets(
        &mut self,
        size: (u32, u32),
        count: usize,
    ) -> Result<RenderTargets, DisplayError> {
        Ok(either!(self, d => d.render_targets(size, count)?))
    }

    /// The GBM device the gpu rung should draw on, where the display has one: the card's
    /// on KMS, the compositor's main device on Wayland (an error where no GPU is behind it).
    /// None where the compositor names no device (linux-dmabuf v3, as weston headless).
    pub fn gpu_device(&mut self) -> Option<Result<Rc<GbmDevice>, DisplayError>> {
        match self {
            Display::Kms(d) => Some(d.gpu_device().map_err(DisplayError::from)),
            Display::Wayland(d) => {
                d.main_device()?;
                Some(d.gpu_device().map_err(DisplayError::from))
            }
        }
    }

    /// `count` XRGB8888 buffers of `size` the CPU writes into.
    pub fn cpu_buffers(
        &mut self,
        size: (u32, u32),
        count: usize,
    ) -> Result<Vec<BufferId>, DisplayError> {
        Ok(either!(self, d => d.cpu_buffers(size, count)?))
    }

    /// Lends `id`'s pixels to `write`, with the row pitch in bytes.
    pub fn write_pixels<T>(
        &mut self,
        id: BufferId,
        write: impl FnOnce(&mut [u8], usize) -> T,
    ) -> Result<T, DisplayError> {
        Ok(either!(self, d => d.write_pixels(id, write)?))
    }

    /// Who makes the copy rung's buffers (`cpu_buffers`).
    pub fn cpu_allocator(&self) -> Allocator {
        match self {
            Display::Kms(_) => Allocator::Dumb,
            Display::Wayland(_) => Allocator::Shm,
        }
    }

    /// Lets go of buffers made or imported and not yet shown.
    pub fn free(&mut self, ids: &[BufferId]) {
        either!(self, d => d.free(ids))
    }

    /// Lets go of the imported buffers' memory once their buffers are freed (KMS keeps PRIME
    /// handles; a wl_buffer holds nothing more).
    pub fn forget_imports(&mut self) {
        if let Display::Kms(d) = self {
            d.forget_imports();
        }
    }

    /// Decides where `size`-pixel buffers go on the glass, showing `view` of them; a
    /// refusal is typed.
    pub fn place(&mut self, size: (u32, u32), view: View) -> Result<(), DisplayError> {
        either!(self, d => d.place(size, view).map_err(DisplayError::from))
    }

    /// Has the display convert the YCbCr frames shown next with the camera's matrix and
    /// range (KMS COLOR_ENCODING and COLOR_RANGE, wp_color_representation_v1); None says
    /// the frames are RGB. False where it cannot be told and converts with its own.
    pub fn set_colorimetry(&mut self, colorimetry: Option<Colorimetry>) -> bool {
        either!(self, d => d.set_colorimetry(colorimetry))
    }

    /// What tells the display the camera's matrix and range, for the startup line.
    pub fn colorimetry_told_by(&self) -> &'static str {
        match self {
            Display::Kms(_) => "COLOR_ENCODING, COLOR_RANGE",
            Display::Wayland(_) => "wp_color_representation_v1",
        }
    }

    pub fn can_present(&self) -> bool {
        either!(self, d => d.can_present())
    }

    /// Commits whose presentation has not been reported yet.
    pub fn frames_in_flight(&self) -> u64 {
        either!(self, d => d.frames_in_flight())
    }

    /// Whether the display's events may wait for the camera's next frame. A KMS flip's
    /// completion carries its own time, so reading it late changes no figure; a compositor's
    /// events (configure, keys, the frame callback that lets the next commit go) may not.
    pub fn events_may_wait(&self) -> bool {
        matches!(self, Display::Kms(_))
    }

    /// Shows buffer `id`; events about it carry `tag`. What happened at once goes into
    /// `events`.
    pub fn present(
        &mut self,
        id: BufferId,
        tag: usize,
        events: &mut Vec<DisplayEvent>,
    ) -> Result<(), DisplayError> {
        either!(self, d => d.present(id, tag, events).map_err(DisplayError::from))
    }

    /// Reads what the display sent, into `events`.
    pub fn dispatch(&mut self, events: &mut Vec<DisplayEvent>) -> Result<(), DisplayError> {
        either!(self, d => d.dispatch(events).map_err(DisplayError::from))
    }

    /// Fails when the display stopped completing frames it must complete (KMS flips).
    pub fn check_progress(&self) -> Result<(), DisplayError> {
        match self {
            Display::Kms(d) => Ok(d.check_flip_progress()?),
            // A hidden window legitimately gets no frame callbacks.
            Display::Wayland(_) => Ok(()),
        }
    }

    /// Whether an overlay square can be shown beside the frames, without drawing into them.
    pub fn has_overlay(&self) -> bool {
        matches!(self, Display::Wayland(_))
    }

    /// Adds the overlay square, black until the first `show_overlay`.
    pub fn enable_overlay(&mut self) -> Result<(), DisplayError> {
        match self {
            Display::Wayland(d) => Ok(d.enable_overlay()?),
            Display::Kms(_) => Ok(()),
        }
    }

    /// Turns the overlay square white or black; its presentation arrives as an event.
    pub fn show_overlay(&mut self, white: bool) -> Result<(), DisplayError> {
        match self {
            Display::Wayland(d) => Ok(d.show_overlay(white)?),
            Display::Kms(_) => Ok(()),
        }
    }

    /// What the compositor said about presented frames, where it says.
    pub fn presentation(&self) -> Option<crate::stats::Presentation> {
        match self {
            Display::Kms(_) => None,
            Display::Wayland(d) => Some(d.presentation()),
        }
    }

    /// Where presentation times come from and how they reach CLOCK_MONOTONIC.
    pub fn presentation_clock(&self) -> String {
        either!(self, d => d.presentation_clock())
    }

    /// Puts the display back as found and lets go of every buffer.
    pub fn restore(&mut self) {
        either!(self, d => d.restore())
    }
}

/// Set to N to have the display's buffers for the camera made with rows a multiple of N
/// bytes, as displays that align their rows do (amdgpu: 256), for tests of the camera being
/// asked for those rows.
const ROW_ALIGN_ENV: &str = "GLASSCAM_DISPLAY_ROW_ALIGN";

/// `planes` (bytes per row, bytes), rows rounded up to GLASSCAM_DISPLAY_ROW_ALIGN where set.
fn rows_aligned_for_tests(planes: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let align = std::env::var(ROW_ALIGN_ENV)
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|&a| a > 0);
    planes
        .iter()
        .map(|&(pitch, size)| match align {
            Some(align) => {
                let rows = size.div_ceil(pitch.max(1));
                let aligned = pitch.div_ceil(align) * align;
                (aligned, aligned * rows)
            }
            None => (pitch, size),
        })
        .collect()
}

/// Frames glasscam writes itself (decoded MJPEG) live in memory the display takes as it is:
/// dumb buffers on a KMS card; for a compositor udmabuf, else wl_shm.
impl FrameAllocator for Display {
    fn allocate(&mut self, size: (u32, u32), count: usize) -> Result<Frames, AllocError> {
        Ok(match self {
            Display::Kms(d) => d.frame_memory(size, count)?,
            Display::Wayland(d) => d.frame_memory(size, count)?,
        })
    }
}

impl Display {
    /// Import mode: `count` buffers of the display's own for the camera to write into, one
    /// per memory plane of (bytes per row, bytes), and who made them.
    pub fn camera_memory(
        &mut self,
        planes: &[(u32, u32)],
        count: usize,
    ) -> Result<(Allocator, Vec<Vec<FrameMemory>>), DisplayError> {
        let planes = rows_aligned_for_tests(planes);
        Ok(match self {
            Display::Kms(d) => d.camera_memory(&planes, count)?,
            Display::Wayland(d) => d.camera_memory(&planes, count)?,
        })
    }

    /// Where display hotplug events arrive (the console's uevent socket); none on Wayland,
    /// whose compositor follows its outputs itself.
    pub fn hotplug_fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            Display::Kms(d) => d.hotplug_fd(),
            Display::Wayland(_) => None,
        }
    }

    /// Where seat events arrive (a console opened through a seat manager).
    pub fn seat_fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            Display::Kms(d) => d.seat_fd(),
            Display::Wayland(_) => None,
        }
    }

    /// What the seat manager's events changed, after `seat_fd` was ready; what it released
    /// goes into `events`.
    pub fn seat_changed(&mut self, events: &mut Vec<DisplayEvent>) -> Option<SeatChange> {
        match self {
            Display::Kms(d) => d.seat_changed(events),
            Display::Wayland(_) => None,
        }
    }

    /// What a hotplug event changed for the output in use, after `hotplug_fd` was ready
    /// (or, with `anyway`, at the watchdog's look).
    pub fn hotplug(&mut self, anyway: bool) -> Result<Option<Hotplug>, DisplayError> {
        match self {
            Display::Kms(d) => Ok(d.hotplug(anyway)?),
            Display::Wayland(_) => Ok(None),
        }
    }
}

impl AsFd for Display {
    fn as_fd(&self) -> BorrowedFd<'_> {
        either!(self, d => d.as_fd())
    }
}
