//! The console display: buffers scanned out by a KMS plane.
//!
//! Each buffer is wrapped in a framebuffer once. Presenting is one commit of the plane's
//! framebuffer; the page-flip event says the new frame is on the glass, and only then is
//! the buffer it replaced released. Flip slots: `pending` (asked for, not completed) and
//! `active` (on the glass).

mod atomic;
mod camera_memory;
mod colour;
mod device;
mod error;
mod framebuffers;
mod gbm;
mod hotplug;
mod in_formats;
mod legacy;
mod placement;
mod saved;
mod seat;

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use drm::control::{Device as _, Event, Mode};
use drm::{ClientCapability, Device as _};
use nix::fcntl::{fcntl, FcntlArg, OFlag};

use atomic::AtomicProps;
use device::{describe_mode, mode_size, Card, Output};
use error::ioctl;
pub use error::KmsError;
use framebuffers::{Framebuffer, Imports};
pub use hotplug::Hotplug;
use placement::Placement;
use saved::SavedCrtc;
pub use seat::SeatChange;

use super::{BufferId, DisplayEvent, Import, RenderTarget, RenderTargets};
use crate::convert::Colorimetry;
use crate::dmabuf::{Allocator, Frames, GbmDevice, MemoryKind};
use crate::format::PixelFormat;
use crate::view::{Transform, View};

/// Set to use the legacy SetCrtc/PageFlip API even where atomic modesetting exists.
const LEGACY_ENV: &str = "GLASSCAM_KMS_LEGACY";
/// A flip the display has not completed by then is a display failure.
const FLIP_TIMEOUT: Duration = Duration::from_secs(3);

/// A flip requested and not completed yet.
struct Pending {
    id: BufferId,
    tag: usize,
    since: Instant,
}

pub struct KmsDisplay {
    card: Card,
    output: Output,
    /// None: legacy modesetting.
    atomic: Option<AtomicProps>,
    saved: Option<SavedCrtc>,
    /// By BufferId; None once freed.
    framebuffers: Vec<Option<Framebuffer>>,
    imports: Imports,
    placement: Option<Placement>,
    modeset_done: bool,
    pending: Option<Pending>,
    active: Option<BufferId>,
    /// The clock of page-flip event times: CLOCK_MONOTONIC unless the driver says otherwise.
    flip_clock: u32,
    /// GBM on the card, opened when the gpu rung first asks (it loads the GPU driver).
    gbm: Option<Rc<GbmDevice>>,
    /// The kernel's uevents, for display hotplug; None where the socket could not be opened.
    uevents: Option<hotplug::UeventSocket>,
    /// Something is connected to the connector in use: frames are presented.
    connected: bool,
    /// --connector named the connector: no other takes over when it is unplugged.
    pinned: bool,
    /// The format of the buffers made for this display: a connector taking over must have a
    /// plane that scans it out.
    format: PixelFormat,
    /// The seat the card was opened through, where there is a seat manager; dropped after
    /// the card.
    seat: Option<seat::SeatSession>,
    /// The seat is this session's (always, without one).
    seat_active: bool,
}

impl KmsDisplay {
    /// Opens the card and picks the output and the first of `candidates` it can scan out;
    /// nothing on screen changes yet.
    pub fn open(
        card: Option<&Path>,
        connector: Option<&str>,
        candidates: &[PixelFormat],
    ) -> Result<(KmsDisplay, PixelFormat), KmsError> {
        let mut seat = seat::SeatSession::open();
        let (card, atomic) = take_card(card, seat.as_mut())?;
        let (output, format) = Output::choose(&card, connector, candidates, true)?;
        let atomic = if atomic {
            Some(AtomicProps::find(&card, &output)?)
        } else {
            None
        };
        let saved = SavedCrtc::read(&card, output.crtc)?;
        let flip_clock = match card.get_driver_capability(drm::DriverCapability::MonotonicTimestamp)
        {
            Ok(0) => libc::CLOCK_REALTIME as u32,
            _ => libc::CLOCK_MONOTONIC as u32,
        };
        let display = KmsDisplay {
            card,
            output,
            atomic,
            saved: Some(saved),
            framebuffers: Vec::new(),
            imports: Imports::default(),
            placement: None,
            modeset_done: false,
            pending: None,
            active: None,
            flip_clock,
            gbm: None,
            uevents: hotplug::open_uevents(),
            connected: true,
            pinned: connector.is_some(),
            format,
            seat,
            seat_active: true,
        };
        Ok((display, format))
    }

    /// The size of the mode the display has now (or will have by default).
    pub fn current_mode_size(&self) -> (u32, u32) {
        mode_size(&self.output.current_mode)
    }

    pub fn describe(&self) -> String {
        let placement = match self.placement {
            Some(p) => format!(
                "mode {} at {},{} {}x{}",
                describe_mode(&p.mode),
                p.dst.0,
                p.dst.1,
                p.dst.2,
                p.dst.3
            ),
            None => "not placed".into(),
        };
        let api = if self.atomic.is_some() {
            "atomic"
        } else {
            "legacy"
        };
        format!(
            "{} {} ({api}, {placement})",
            self.card.path.display(),
            self.output.name
        )
    }

    pub fn name(&self) -> String {
        self.card.path.display().to_string()
    }

    pub fn output_name(&self) -> String {
        self.output.name.clone()
    }

    /// Buffers the display may hold at once: the one on the glass and the one flipped to.
    pub fn buffers_held(&self) -> usize {
        2
    }

    fn add(&mut self, framebuffer: Framebuffer) -> BufferId {
        self.framebuffers.push(Some(framebuffer));
        BufferId(self.framebuffers.len() - 1)
    }

    pub fn import(&mut self, buffers: &[Import<'_>]) -> Result<Vec<BufferId>, KmsError> {
        let mut ids = Vec::with_capacity(buffers.len());
        for buffer in buffers {
            let index = self.framebuffers.len();
            if buffer.kind != MemoryKind::Dmabuf {
                return Err(KmsError::NotDmabuf(index));
            }
            let linear = self.output.linear_modifier;
            let framebuffer = self.imports.add(&self.card, buffer, index, linear)?;
            ids.push(self.add(framebuffer));
        }
        Ok(ids)
    }

    /// Buffers the GPU draws into and the plane scans out: GBM's on this card, else (one
    /// line saying why) dumb buffers, which software rendering can still fill.
    pub fn render_targets(
        &mut self,
        size: (u32, u32),
        count: usize,
    ) -> Result<RenderTargets, KmsError> {
        let (allocator, made) = match self.gbm_buffers(size, count) {
            // Only GBM's own failure falls back: a refused framebuffer is the ladder's to judge.
            Err(why @ KmsError::Gbm { .. }) => {
                let why = anyhow::Error::new(why);
                say!("glasscam: no GBM render targets ({why:#}); using dumb buffers");
                (Allocator::Dumb, self.cpu_buffers(size, count))
            }
            made => (Allocator::Gbm, made),
        };
        let ids = made?;
        let targets: Result<Vec<RenderTarget>, KmsError> = ids
            .iter()
            .map(|&id| self.framebuffer(id)?.render_target(&self.card, id))
            .collect();
        if targets.is_err() {
            self.free(&ids);
        }
        Ok(RenderTargets {
            allocator,
            targets: targets?,
        })
    }

    /// Dumb buffers: memory the card scans out and the CPU maps.
    pub fn cpu_buffers(
        &mut self,
        size: (u32, u32),
        count: usize,
    ) -> Result<Vec<BufferId>, KmsError> {
        self.add_all(count, |card| Framebuffer::dumb(card, size))
    }

    /// `count` framebuffers from `make`; a set made in part is freed, since placement
    /// tests the buffers still live.
    fn add_all(
        &mut self,
        count: usize,
        mut make: impl FnMut(&Card) -> Result<Framebuffer, KmsError>,
    ) -> Result<Vec<BufferId>, KmsError> {
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            match make(&self.card) {
                Ok(framebuffer) => ids.push(self.add(framebuffer)),
                Err(refused) => {
                    self.free(&ids);
                    return Err(refused);
                }
            }
        }
        Ok(ids)
    }

    /// Dumb buffers exported as dmabufs, for frames the CPU writes and the card imports
    /// like a camera's: what dumb buffers are for.
    pub fn frame_memory(&mut self, size: (u32, u32), count: usize) -> Result<Frames, KmsError> {
        let buffers = (0..count)
            .map(|_| framebuffers::exported_dumb(&self.card, size))
            .collect::<Result<_, _>>()?;
        Ok(Frames {
            allocator: Allocator::Dumb,
            kind: MemoryKind::Dmabuf,
            buffers,
        })
    }

    fn framebuffer(&self, id: BufferId) -> Result<&Framebuffer, KmsError> {
        self.framebuffers
            .get(id.0)
            .and_then(Option::as_ref)
            .ok_or(KmsError::NotImported(id.0))
    }

    pub fn write_pixels<T>(
        &mut self,
        id: BufferId,
        write: impl FnOnce(&mut [u8], usize) -> T,
    ) -> Result<T, KmsError> {
        let framebuffer = self
            .framebuffers
            .get_mut(id.0)
            .and_then(Option::as_mut)
            .ok_or(KmsError::NotImported(id.0))?;
        framebuffer.write(&self.card, id.0, write)
    }

    /// Frees buffers. Freeing the one on the glass turns the plane off (the kernel's RMFB),
    /// so the next present sets the mode again.
    pub fn free(&mut self, ids: &[BufferId]) {
        for id in ids {
            if let Some(framebuffer) = self.framebuffers.get_mut(id.0).and_then(Option::take) {
                framebuffer.destroy(&self.card);
            }
            if self.active == Some(*id) || self.pending.as_ref().is_some_and(|p| p.id == *id) {
                self.active = None;
                self.pending = None;
                self.modeset_done = false;
            }
        }
    }

    /// Closes the PRIME handles of imports whose framebuffers are all freed: a camera that
    /// went away takes its buffers with it.
    pub fn forget_imports(&mut self) {
        let imported_left = self
            .framebuffers
            .iter()
            .flatten()
            .any(Framebuffer::is_imported);
        if !imported_left {
            self.imports.close_all(&self.card);
        }
    }

    /// Has the plane convert YCbCr framebuffers with the camera's matrix and range from the
    /// next modeset on (None: its own); false where it cannot be told (no atomic API, or no
    /// such properties).
    pub fn set_colorimetry(&mut self, colorimetry: Option<Colorimetry>) -> bool {
        self.atomic
            .as_mut()
            .is_some_and(|a| a.set_colorimetry(colorimetry))
    }

    /// The current mode if the buffers fit it, else the plane scaled into it if the driver
    /// accepts that, else a mode of the buffers' size. A view other than the whole upright
    /// frame is the plane's SRC rectangle and rotation in the current mode, or refused.
    pub fn place(&mut self, size: (u32, u32), view: View) -> Result<(), KmsError> {
        let current = self.output.current_mode;
        if !view.is_plain() {
            return self.place_view(size, view);
        }
        let mut candidates = Vec::new();
        if mode_size(&current) == size {
            candidates.push(Placement::full_screen(current, size));
        } else if self.atomic.is_some() {
            candidates.push(Placement::fitted(current, size));
        }
        candidates.extend(
            self.output
                .modes_of_size(size.0, size.1)
                .into_iter()
                .map(|mode| Placement::full_screen(mode, size)),
        );
        for placement in candidates {
            if self.test_placement(&placement)? {
                self.placement = Some(placement);
                return Ok(());
            }
            tracing::debug!("display refused {:?}", placement);
        }
        Err(KmsError::NoFit {
            frame: format!("{}x{}", size.0, size.1),
            connector: self.output.name.clone(),
            mode: describe_mode(&current),
            modes: self.output.mode_list(),
        })
    }

    /// `view` in the current mode, if the driver takes it (TEST_ONLY).
    fn place_view(&mut self, size: (u32, u32), view: View) -> Result<(), KmsError> {
        let refused = |why: &str| KmsError::ViewRefused {
            view: view.describe(),
            connector: self.output.name.clone(),
            why: why.to_string(),
        };
        if self.atomic.is_none() {
            return Err(refused("legacy modesetting sets no plane properties"));
        }
        if view.transform != Transform::Normal
            && !self.atomic.as_ref().is_some_and(AtomicProps::can_rotate)
        {
            return Err(refused("the plane has no rotation property"));
        }
        let placement = Placement::viewed(self.output.current_mode, size, view);
        if !self.test_placement(&placement)? {
            return Err(refused(
                "the driver refused the plane's rectangle or rotation",
            ));
        }
        self.placement = Some(placement);
        Ok(())
    }

    /// Whether the driver would show `placement` (atomic TEST_ONLY); legacy takes any.
    fn test_placement(&self, placement: &Placement) -> Result<bool, KmsError> {
        let fb = self
            .framebuffers
            .iter()
            .flatten()
            .next()
            .ok_or(KmsError::NotImported(0))?;
        Ok(match &self.atomic {
            Some(props) => props
                .modeset(&self.card, &self.output, fb, placement, true)
                .is_ok(),
            None => true,
        })
    }

    /// A flip may be asked for: none pending, and a display connected to show it.
    pub fn can_present(&self) -> bool {
        self.pending.is_none() && self.connected && self.seat_active
    }

    /// Page-flip events carry CLOCK_MONOTONIC unless DRM_CAP_TIMESTAMP_MONOTONIC is 0; a
    /// legacy modeset has no event and is timed on return.
    pub fn presentation_clock(&self) -> String {
        if self.flip_clock == libc::CLOCK_MONOTONIC as u32 {
            "KMS page-flip events on CLOCK_MONOTONIC".into()
        } else {
            "KMS page-flip events on CLOCK_REALTIME, converted to CLOCK_MONOTONIC".into()
        }
    }

    /// Flips requested and not completed yet: at most one.
    pub fn frames_in_flight(&self) -> u64 {
        u64::from(self.pending.is_some())
    }

    /// Starts showing buffer `id`. Completion arrives as a page-flip event, except for a
    /// legacy modeset, which completes at once and is added to `events` here.
    pub fn present(
        &mut self,
        id: BufferId,
        tag: usize,
        events: &mut Vec<DisplayEvent>,
    ) -> Result<(), KmsError> {
        if self.pending.is_some() {
            return Err(KmsError::FlipPending);
        }
        let fb = self.framebuffer(id)?;
        let placement = self.placement.ok_or(KmsError::NotImported(id.0))?;
        // Taken before the ioctl: a flip event may be stamped before the ioctl returns.
        let committed = DisplayEvent::Committed {
            tag,
            time: crate::clock::monotonic_now(),
        };
        let (card, output) = (&self.card, &self.output);
        let done = match (&self.atomic, self.modeset_done) {
            (Some(props), false) => props.modeset(card, output, fb, &placement, false),
            (Some(props), true) => props.flip(card, output, fb.handle),
            (None, false) => legacy::modeset(card, output, fb.handle, &placement),
            (None, true) => legacy::flip(card, output, fb.handle),
        };
        if let Err(error) = done {
            // A seat manager drops DRM master before it tells glasscam the seat is going:
            // the frame is dropped, and the Disable event follows.
            if self.seat.is_some() && error.is_permission_denied() {
                self.seat_active = false;
                events.push(DisplayEvent::Released(id));
                return Ok(());
            }
            return Err(error);
        }
        let completed_now = self.atomic.is_none() && !self.modeset_done;
        self.modeset_done = true;
        self.pending = Some(Pending {
            id,
            tag,
            since: Instant::now(),
        });
        events.push(committed);
        if completed_now {
            self.flip_completed(None, events);
        }
        Ok(())
    }

    /// Reads the card's events, if there are any.
    pub fn dispatch(&mut self, events: &mut Vec<DisplayEvent>) -> Result<(), KmsError> {
        let received = match self.card.receive_events() {
            Ok(received) => received,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(ioctl("reading display events")(e)),
        };
        for event in received {
            if let Event::PageFlip(flip) = event {
                if flip.crtc == self.output.crtc {
                    let time = crate::clock::to_monotonic(self.flip_clock, flip.duration);
                    self.flip_completed(time, events);
                }
            }
        }
        Ok(())
    }

    fn flip_completed(&mut self, time: Option<Duration>, events: &mut Vec<DisplayEvent>) {
        let Some(Pending { id, tag, .. }) = self.pending.take() else {
            return;
        };
        let refresh_ns = self.placement.map_or(0, |p| refresh_ns(&p.mode));
        events.push(DisplayEvent::Presented {
            tag,
            time,
            refresh_ns,
        });
        if let Some(previous) = self.active.replace(id) {
            if previous != id {
                events.push(DisplayEvent::Released(previous));
            }
        }
    }

    /// Fails when a flip was never completed: the display is stuck or gone.
    pub fn check_flip_progress(&self) -> Result<(), KmsError> {
        match &self.pending {
            Some(flip) if flip.since.elapsed() > FLIP_TIMEOUT => {
                Err(KmsError::FlipTimeout(FLIP_TIMEOUT.as_secs()))
            }
            _ => Ok(()),
        }
    }

    /// Puts the CRTC back as found; framebuffers go only after nothing scans them out.
    pub fn restore(&mut self) {
        if let Some(saved) = self.saved.take() {
            // Paused, the display is another session's: nothing of glasscam's is on it.
            if self.modeset_done && self.seat_active {
                saved.put_back(&self.card, &self.output);
            }
        }
        for framebuffer in self.framebuffers.drain(..).flatten() {
            framebuffer.destroy(&self.card);
        }
        self.imports.close_all(&self.card);
        self.pending = None;
        self.active = None;
    }
}

impl AsFd for KmsDisplay {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.card.as_fd()
    }
}

impl Drop for KmsDisplay {
    fn drop(&mut self) {
        self.restore();
        if self.seat.is_none() {
            let _ = self.card.release_master_lock();
        }
    }
}

/// The card, opened through `seat` where there is one (which makes it DRM master), else
/// directly and made master; universal planes on, and whether atomic modesetting is.
fn take_card(
    requested: Option<&Path>,
    seat: Option<&mut seat::SeatSession>,
) -> Result<(Card, bool), KmsError> {
    let card = match seat {
        // Found by opening each card, and closed again (with the DRM master its first open
        // got) before the seat opens it.
        Some(session) => {
            let path = Card::find(requested)?.path.clone();
            Card::through_seat(path, session)?
        }
        None => {
            let card = Card::find(requested)?;
            card.acquire_master_lock()
                .map_err(|source| KmsError::NotMaster {
                    path: card.path.clone(),
                    source,
                })?;
            card
        }
    };
    card.set_client_capability(ClientCapability::UniversalPlanes, true)
        .map_err(ioctl("enabling universal planes"))?;
    let atomic = std::env::var_os(LEGACY_ENV).is_none()
        && card
            .set_client_capability(ClientCapability::Atomic, true)
            .is_ok();
    // A flip's completion may be read with the camera's next frame, without a wait for it
    // first: a read with no event must return at once.
    let flags = fcntl(card.as_fd().as_raw_fd(), FcntlArg::F_GETFL)
        .map_err(|e| ioctl("reading the card's file flags")(e.into()))?;
    let nonblocking = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
    fcntl(card.as_fd().as_raw_fd(), FcntlArg::F_SETFL(nonblocking))
        .map_err(|e| ioctl("making the card's reads non-blocking")(e.into()))?;
    Ok((card, atomic))
}

/// The time of one refresh of `mode`, in ns: the physical floor g2g reports beside its
/// figures.
fn refresh_ns(mode: &Mode) -> u32 {
    let (_, _, htotal) = mode.hsync();
    let (_, _, vtotal) = mode.vsync();
    let pixels = u64::from(htotal) * u64::from(vtotal);
    // clock is in kHz.
    (pixels * 1_000_000)
        .checked_div(u64::from(mode.clock()))
        .unwrap_or(0)
        .min(u64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(w: u16, h: u16) -> Mode {
        Mode::from(drm_ffi::drm_mode_modeinfo {
            hdisplay: w,
            vdisplay: h,
            ..Default::default()
        })
    }

    #[test]
    fn test_mode_helper_sets_the_size() {
        assert_eq!(mode_size(&mode(1024, 768)), (1024, 768));
    }

    #[test]
    fn a_smaller_frame_is_centred_in_the_mode() {
        let p = Placement::fitted(mode(1920, 1080), (640, 480));
        assert_eq!(p.dst, (240, 0, 1440, 1080));
        assert_eq!(
            Placement::fitted(mode(1024, 768), (1280, 720)).dst,
            (0, 96, 1024, 576)
        );
    }

    #[test]
    fn a_vga_mode_refreshes_every_16_7_ms() {
        // 640x480@60: 800x525 total at 25.175 MHz.
        let mode = Mode::from(drm_ffi::drm_mode_modeinfo {
            clock: 25175,
            htotal: 800,
            vtotal: 525,
            ..Default::default()
        });
        assert_eq!(refresh_ns(&mode), 16_683_217);
    }
}
