//! How frames reach the display: one rung, chosen by the ladder, over any display.
//! Direct shows the camera's own dmabufs; gpu draws them with GLES into buffers the display
//! made; copy converts them on the CPU. Each is written once, in its own file.

mod blank;
mod camera_maps;
mod copy;
mod direct;
mod gpu;
pub mod import;
pub mod ladder;
mod marker;
mod rung;
mod slots;

use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

pub use camera_maps::CopyError;
pub use rung::{PathChoice, Rung};

use crate::capture::{ExportedBuffer, StreamFormat};
use crate::display::{BufferId, Display, DisplayError, DisplayEvent, Hotplug, Refusal, SeatChange};
use crate::dmabuf::Allocator;
use crate::keys::Key;
use crate::render::{GpuConverter, RenderError};
use crate::view::{View, ViewKey};
use copy::Copy;
use direct::Direct;
use gpu::Gpu;

/// What became of the frames given to the path, by camera buffer index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameEvent {
    /// The display accepted a commit of this frame (converted first on gpu/copy rungs),
    /// issued at `time` (CLOCK_MONOTONIC).
    Committed { index: usize, time: Duration },
    /// The frame is on the glass; `time` is the display's CLOCK_MONOTONIC timestamp.
    Presented {
        index: usize,
        time: Option<Duration>,
    },
    /// The compositor dropped the commit of this frame without showing it.
    Discarded(usize),
    /// Nothing reads the camera buffer any more: it may go back to the camera.
    Released(usize),
    /// The user closed the window or pressed Q or Escape.
    CloseRequested,
    /// The user pressed one of glasscam's keys in the window (snapshot, next camera, ...).
    Key(Key),
    /// The g2g marker turned white (or black) on the glass at `time` (CLOCK_MONOTONIC);
    /// `refresh_ns` is the display's refresh period, 0 if it has none.
    MarkerPresented {
        white: bool,
        time: Option<Duration>,
        refresh_ns: u32,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// The display failed or refused.
    #[error(transparent)]
    Display(#[from] DisplayError),
    /// The display gave no buffers for the gpu rung to draw into, or refused them.
    #[error(transparent)]
    Targets(DisplayError),
    /// The GPU rung could not import, set up or draw.
    #[error("converting on the GPU")]
    Gpu(#[source] RenderError),
    /// The copy rung could not map or convert a frame.
    #[error("copying a frame for the display")]
    Copy(#[source] CopyError),
    /// A camera buffer the path was never given.
    #[error("camera buffer {0} was never imported into the display")]
    UnknownBuffer(usize),
    /// bench --g2g asked for its marker on the direct rung of a display without an overlay:
    /// the camera's own buffers leave glasscam nothing to draw into.
    #[error(
        "bench --g2g on {0} draws its marker into the frames, and the direct rung shows the \
         camera's own buffers; run it with --path gpu or --path copy"
    )]
    MarkerNeedsDrawing(String),
    /// GLASSCAM_REFUSE_CAMERA_MEMORY is set: the direct rung is refused as a display refuses
    /// memory it cannot scan out, so that tests can walk the ladder on a display that takes
    /// everything.
    #[error("refused for the test (GLASSCAM_REFUSE_CAMERA_MEMORY)")]
    CameraMemoryRefused,
    /// The display took the buffers and showed none of them: a compositor that fails its
    /// imports inside and discards every frame (sway on a software renderer) refuses them.
    #[error("{path}: the display has shown none of the frames committed in {seconds} s")]
    NeverShown { path: String, seconds: u64 },
}

impl PathError {
    /// The display's refusal this is, if it is one.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            PathError::Display(e) => e.refusal(),
            PathError::CameraMemoryRefused => Some(Refusal::Buffer),
            _ => None,
        }
    }
}

/// Set (to anything) to have the direct rung refused, for tests of the ladder.
const REFUSE_CAMERA_MEMORY_ENV: &str = "GLASSCAM_REFUSE_CAMERA_MEMORY";

/// A rung whose first commit has shown nothing for this long is refused. Generous: a TCG
/// guest's llvmpipe compositor took 7 s over its first gpu-rung frame under load.
const NEVER_SHOWN_WAIT: Duration = Duration::from_secs(12);

/// The rung that carries frames, with what it holds.
enum Carrier {
    Direct(Direct),
    Gpu(Gpu),
    Copy(Copy),
    /// No camera (--persistent, waiting for it): black on the display.
    Blank(blank::Blank),
}

/// The path from the camera's buffers to the glass: a rung over a display. The rung is
/// declared first so that it drops first: the GPU's images and the CPU's maps of the
/// buffers go before the display lets go of them.
pub struct FramePath {
    carrier: Carrier,
    /// What of the frame is shown, and which way up.
    view: View,
    /// The camera's frames' size.
    frame_size: (u32, u32),
    /// bench --g2g's marker, where it is drawn into the frames.
    drawn_marker: Option<marker::Marker>,
    display: Display,
    /// The display's events, reused from frame to frame: nothing is allocated per frame.
    display_events: Vec<DisplayEvent>,
    /// The first commit, until a frame is shown: a rung that never shows one is refused.
    first_unshown_commit: Option<Instant>,
    shown: bool,
}

impl FramePath {
    /// Sets up `rung` between the camera's buffers and `display`; on failure the display is
    /// dropped (restored), and the error says whether a lower rung may do better.
    pub fn new(
        mut display: Display,
        rung: Rung,
        converter: Option<Box<GpuConverter>>,
        exported: &[ExportedBuffer],
        format: &StreamFormat,
        view: View,
    ) -> Result<FramePath, PathError> {
        let carrier = carrier_for(&mut display, (rung, view), converter, exported, format)?;
        Ok(FramePath {
            carrier,
            view,
            frame_size: (format.width, format.height),
            drawn_marker: None,
            display,
            display_events: Vec::with_capacity(8),
            first_unshown_commit: None,
            shown: false,
        })
    }

    pub fn rung(&self) -> Rung {
        match self.carrier {
            Carrier::Direct(ref direct) => direct.rung(),
            Carrier::Gpu(_) => Rung::Gpu,
            Carrier::Copy(_) => Rung::Copy,
            Carrier::Blank(ref blank) => blank.rung,
        }
    }

    /// Who made the buffers the display shows: the source's (`source`) on the direct rung,
    /// else the display's own (None while the gpu rung has no targets yet).
    pub fn allocator(&self, source: Allocator) -> Option<Allocator> {
        match self.carrier {
            Carrier::Direct(_) => Some(source),
            Carrier::Gpu(ref gpu) => gpu.allocator(),
            Carrier::Copy(_) => Some(self.display.cpu_allocator()),
            Carrier::Blank(_) => None,
        }
    }

    /// What of the frames is shown, and which way up.
    pub fn view(&self) -> View {
        self.view
    }

    /// The display converts the YCbCr frames it shows as they are with the camera's
    /// matrix and range.
    pub fn colour_by_display(&self) -> bool {
        matches!(&self.carrier, Carrier::Direct(d) if d.colour_by_display)
    }

    /// Who shows the view asked for ("transform flipped by the display", "... drawn by
    /// the gpu rung"); None for the whole frame upright, or on the copy rung, which
    /// shows nothing else.
    pub fn view_done_by(&self) -> Option<String> {
        let view = self.view.describe();
        match self.carrier {
            _ if self.view.is_plain() => None,
            Carrier::Direct(_) => Some(format!("{view} by the display")),
            Carrier::Gpu(_) => Some(format!("{view} drawn by the gpu rung")),
            Carrier::Copy(_) | Carrier::Blank(_) => None,
        }
    }

    /// The `path` of --stats: which display, and on which rung (kms-direct, wayland-gpu…).
    pub fn name(&self) -> String {
        format!("{}-{}", self.display.kind(), self.rung().name())
    }

    pub fn display(&self) -> &Display {
        &self.display
    }

    /// The display, to allocate frames on (a camera back after a replug decodes into them).
    pub fn display_mut(&mut self) -> &mut Display {
        &mut self.display
    }

    /// Names the window after what it shows, where there is one.
    pub fn set_title(&mut self, title: &str) {
        self.display.set_title(title);
    }

    pub fn can_present(&self) -> bool {
        self.display.can_present()
    }

    /// Where display hotplug events arrive, if the display has them.
    pub fn hotplug_fd(&self) -> Option<BorrowedFd<'_>> {
        self.display.hotplug_fd()
    }

    /// Where seat events arrive, if the display was opened through a seat.
    pub fn seat_fd(&self) -> Option<BorrowedFd<'_>> {
        self.display.seat_fd()
    }

    /// What the seat's events changed; buffers it let go of arrive in `events`.
    pub fn seat_changed(&mut self, events: &mut Vec<FrameEvent>) -> Option<SeatChange> {
        let change = self.display.seat_changed(&mut self.display_events);
        self.translate(events);
        change
    }

    /// What a hotplug event (or, with `anyway`, a look) found changed for the display.
    pub fn hotplug(&mut self, anyway: bool) -> Result<Option<Hotplug>, PathError> {
        Ok(self.display.hotplug(anyway)?)
    }

    /// Frames handed to the display whose presentation has not been reported yet.
    pub fn frames_in_flight(&self) -> u64 {
        self.display.frames_in_flight()
    }

    /// See Display::events_may_wait.
    pub fn display_events_may_wait(&self) -> bool {
        self.display.events_may_wait()
    }

    /// Shows camera buffer `index` (converted first on gpu and copy); what happened at once
    /// is added to `events`.
    pub fn present(&mut self, index: usize, events: &mut Vec<FrameEvent>) -> Result<(), PathError> {
        let marker = self.drawn_marker.as_mut().map(|m| m.draw_into(index));
        let id = match &mut self.carrier {
            Carrier::Direct(direct) => Some(direct.id(index)?),
            Carrier::Gpu(gpu) => gpu.draw(index, marker)?,
            Carrier::Copy(copy) => copy.fill(&mut self.display, index, marker)?,
            Carrier::Blank(_) => None,
        };
        if !matches!(self.carrier, Carrier::Direct(_)) {
            // Converted (or dropped, with every target held): the camera buffer is free.
            events.push(FrameEvent::Released(index));
        }
        if let Some(id) = id {
            self.display.present(id, index, &mut self.display_events)?;
            if !self.shown {
                self.first_unshown_commit.get_or_insert_with(Instant::now);
            }
        }
        self.translate(events);
        Ok(())
    }

    /// Reads what the display sent, into `events`.
    pub fn dispatch(&mut self, events: &mut Vec<FrameEvent>) -> Result<(), PathError> {
        self.display.dispatch(&mut self.display_events)?;
        while let Some(at) = self
            .display_events
            .iter()
            .position(|e| matches!(e, DisplayEvent::Key(Key::View(_))))
        {
            if let DisplayEvent::Key(Key::View(key)) = self.display_events.remove(at) {
                self.change_view(key);
            }
        }
        self.translate(events);
        Ok(())
    }

    /// The window's M, R, + and -: the view changes from the next frame on, done by
    /// whoever shows it now (the display, or the gpu rung), with one line; a display that
    /// cannot show the new view keeps the old one.
    pub fn change_view(&mut self, key: ViewKey) {
        let Some(view) = self.view.after(key) else {
            return;
        };
        let done = match &mut self.carrier {
            Carrier::Direct(_) => self
                .display
                .place(self.frame_size, view)
                .map_err(|e| e.to_string()),
            Carrier::Gpu(gpu) => {
                gpu.set_view(view);
                Ok(())
            }
            Carrier::Copy(_) | Carrier::Blank(_) => {
                Err("the copy rung shows the whole frame upright".to_string())
            }
        };
        match done {
            Ok(()) => {
                self.view = view;
                match view.is_plain() {
                    true => say!("glasscam: showing the whole frame upright"),
                    false => say!("glasscam: showing {}", view.describe()),
                }
            }
            Err(why) => say!("glasscam: cannot show {} ({why})", view.describe()),
        }
    }

    /// Turns the display's events into the frames' events, freeing display buffers the
    /// converting rungs drew into.
    fn translate(&mut self, events: &mut Vec<FrameEvent>) {
        for event in self.display_events.drain(..) {
            let frame_event = match event {
                DisplayEvent::Committed { tag, time } => FrameEvent::Committed { index: tag, time },
                DisplayEvent::Presented {
                    tag,
                    time,
                    refresh_ns,
                } => {
                    self.shown = true;
                    if let Some(white) = self.drawn_marker.as_mut().and_then(|m| m.frame_shown(tag))
                    {
                        events.push(FrameEvent::MarkerPresented {
                            white,
                            time,
                            refresh_ns,
                        });
                    }
                    FrameEvent::Presented { index: tag, time }
                }
                DisplayEvent::Discarded(tag) => FrameEvent::Discarded(tag),
                DisplayEvent::Released(id) => match released(&mut self.carrier, id) {
                    Some(index) => FrameEvent::Released(index),
                    None => continue,
                },
                DisplayEvent::CloseRequested => FrameEvent::CloseRequested,
                DisplayEvent::Key(key) => FrameEvent::Key(key),
                DisplayEvent::OverlayPresented {
                    white,
                    time,
                    refresh_ns,
                } => FrameEvent::MarkerPresented {
                    white,
                    time,
                    refresh_ns,
                },
            };
            events.push(frame_event);
        }
    }

    /// Adds the `bench --g2g` marker: the display's overlay where it has one, else a square
    /// drawn into the frames, which the direct rung cannot do.
    pub fn enable_marker(&mut self) -> Result<(), PathError> {
        if self.display.has_overlay() {
            return Ok(self.display.enable_overlay()?);
        }
        if let Carrier::Direct(_) = self.carrier {
            return Err(PathError::MarkerNeedsDrawing(self.display.output_name()));
        }
        self.drawn_marker = Some(marker::Marker::default());
        Ok(())
    }

    /// Turns the g2g marker white or black; its presentation arrives as MarkerPresented.
    pub fn flip_marker(&mut self, white: bool) -> Result<(), PathError> {
        match &mut self.drawn_marker {
            Some(marker) => marker.set(white),
            None => self.display.show_overlay(white)?,
        }
        Ok(())
    }

    /// Fails when the display stopped completing frames it must complete, or has shown
    /// none of them since the first commit on this rung.
    pub fn check_progress(&self) -> Result<(), PathError> {
        self.display.check_progress()?;
        match self.first_unshown_commit {
            Some(since) if !self.shown && since.elapsed() >= NEVER_SHOWN_WAIT => {
                Err(PathError::NeverShown {
                    path: self.name(),
                    seconds: since.elapsed().as_secs(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Puts the display back as found and lets go of every buffer.
    pub fn restore(&mut self) {
        if let Carrier::Gpu(gpu) = &mut self.carrier {
            gpu.remove_targets(&mut self.display);
        }
        self.display.restore();
    }
}

/// Sets up `rung` on `display` for the camera's buffers, showing `view` of them.
fn carrier_for(
    display: &mut Display,
    (rung, view): (Rung, View),
    converter: Option<Box<GpuConverter>>,
    exported: &[ExportedBuffer],
    format: &StreamFormat,
) -> Result<Carrier, PathError> {
    Ok(match (rung, converter) {
        (Rung::Gpu, Some(converter)) => Carrier::Gpu(ladder::gpu_rung(
            display, converter, exported, format, view,
        )?),
        (Rung::Copy, _) => {
            if !view.is_plain() {
                say!(
                    "glasscam: the copy rung shows the whole frame upright, not {}",
                    view.describe()
                );
            }
            Carrier::Copy(Copy::new(display, exported, format)?)
        }
        (Rung::Direct, _) if std::env::var_os(REFUSE_CAMERA_MEMORY_ENV).is_some() => {
            return Err(PathError::CameraMemoryRefused)
        }
        (Rung::Import, _) => Carrier::Direct(Direct::new(display, exported, format, (rung, view))?),
        _ => Carrier::Direct(Direct::new(
            display,
            exported,
            format,
            (Rung::Direct, view),
        )?),
    })
}

/// The display let go of `id`: the camera buffer now free (direct), or a target slot.
fn released(carrier: &mut Carrier, id: BufferId) -> Option<usize> {
    match carrier {
        Carrier::Direct(direct) => direct.camera_index(id),
        Carrier::Gpu(gpu) => {
            gpu.released(id);
            None
        }
        Carrier::Copy(copy) => {
            copy.released(id);
            None
        }
        Carrier::Blank(_) => None,
    }
}

impl AsFd for FramePath {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.display.as_fd()
    }
}
