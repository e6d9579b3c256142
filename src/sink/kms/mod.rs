//! The kiosk sink: camera dmabufs scanned out directly by a KMS plane.
//!
//! Each V4L2 buffer is PRIME-imported and wrapped in a framebuffer once. Presenting is one
//! atomic commit of the plane's FB_ID; the page-flip event says the new frame is on screen,
//! and only then does the frame it replaced go back to the camera.

mod error;
mod in_formats;
mod marker;
mod output;

use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::time::{Duration, Instant};

use drm::buffer::{self, Buffer as _, DrmFourcc, DrmModifier, PlanarBuffer};
use drm::control::{
    atomic::AtomicModeReq, connector, crtc, dumbbuffer::DumbBuffer, framebuffer, property,
    AtomicCommitFlags, Device as _, Event, FbCmd2Flags, Mode, PageFlipFlags,
};
use drm::{ClientCapability, Device as _};

use error::ioctl;
pub use error::KmsError;
use marker::Marker;
use output::{describe_mode, mode_size, Card, Output};

use super::cpu_copy::CameraMaps;
use super::SinkEvent;
use crate::capture::{ExportedBuffer, StreamFormat};
use crate::format::PixelFormat;
use crate::geometry::MarkerSquare;
use crate::render::GpuConverter;

/// Set to use the legacy SetCrtc/PageFlip API even where atomic modesetting exists.
const LEGACY_ENV: &str = "GLASSCAM_KMS_LEGACY";
/// A flip the display has not completed by then is a display failure.
const FLIP_TIMEOUT: Duration = Duration::from_secs(3);

/// Where the frame goes on the CRTC, in which mode.
#[derive(Debug, Clone, Copy)]
struct Placement {
    mode: Mode,
    /// x, y, width, height on the CRTC.
    dst: (i32, i32, u32, u32),
}

/// The CRTC as glasscam found it, put back at exit.
struct SavedCrtc {
    framebuffer: Option<framebuffer::Handle>,
    mode: Option<Mode>,
    position: (u32, u32),
    connectors: Vec<connector::Handle>,
}

/// The atomic property handles glasscam sets.
struct AtomicProps {
    connector_crtc: property::Handle,
    crtc_mode: property::Handle,
    crtc_active: property::Handle,
    /// In the order of PLANE_PROPS.
    plane: Vec<property::Handle>,
}

const PLANE_PROPS: [&str; 10] = [
    "FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H", "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H",
];

/// A camera buffer as AddFB2 sees it.
struct CameraFramebuffer<'a> {
    format: &'a StreamFormat,
    handles: [Option<buffer::Handle>; 4],
    linear: bool,
}

impl PlanarBuffer for CameraFramebuffer<'_> {
    fn size(&self) -> (u32, u32) {
        (self.format.width, self.format.height)
    }
    fn format(&self) -> DrmFourcc {
        self.format.pixel.drm
    }
    fn modifier(&self) -> Option<DrmModifier> {
        self.linear.then_some(DrmModifier::Linear)
    }
    fn pitches(&self) -> [u32; 4] {
        let mut pitches = [0; 4];
        for (slot, plane) in pitches.iter_mut().zip(&self.format.layout) {
            *slot = plane.pitch;
        }
        pitches
    }
    fn handles(&self) -> [Option<buffer::Handle>; 4] {
        self.handles
    }
    fn offsets(&self) -> [u32; 4] {
        let mut offsets = [0; 4];
        for (slot, plane) in offsets.iter_mut().zip(&self.format.layout) {
            *slot = plane.offset;
        }
        offsets
    }
}

/// The copy and gpu rungs' display side: XRGB8888 dumb buffers glasscam fills, on the CPU
/// (copy) or by drawing into them with GLES (gpu).
struct CopyTargets {
    filler: Filler,
    /// framebuffers[i] wraps dumb[i].
    dumb: Vec<DumbBuffer>,
    on_screen: Option<usize>,
}

enum Filler {
    /// Copy rung: camera buffers mapped for the CPU once imported.
    Cpu(Option<CameraMaps>),
    /// GPU rung: the converter draws into the dumb buffers, exported as dmabufs.
    Gpu(Box<GpuConverter>),
}

/// Dumb buffers of the copy and gpu rungs: one on screen, one being filled.
const COPY_TARGETS: usize = 2;

/// A flip requested and not completed yet.
struct InFlight {
    /// The camera buffer being flipped to.
    index: usize,
    /// The framebuffer slot showing it.
    slot: usize,
    since: Instant,
    /// bench --g2g: the marker colour drawn into this frame.
    marker: Option<bool>,
}

pub struct KmsSink {
    card: Card,
    output: Output,
    atomic: Option<AtomicProps>,
    saved: Option<SavedCrtc>,
    /// Direct: one per camera buffer. Copy: one per dumb buffer.
    framebuffers: Vec<framebuffer::Handle>,
    gem_handles: Vec<buffer::Handle>,
    copy: Option<CopyTargets>,
    placement: Option<Placement>,
    modeset_done: bool,
    in_flight: Option<InFlight>,
    /// Direct only: the camera buffer on screen, released when the next flip completes.
    on_screen: Option<usize>,
    /// The clock of page-flip event times: CLOCK_MONOTONIC unless the driver says otherwise.
    flip_clock: u32,
    /// bench --g2g's marker, drawn into the gpu and copy rungs' frames.
    marker: Option<Marker>,
}

impl KmsSink {
    /// Opens the display and picks the output and the first of `candidates` it can scan
    /// out; nothing on screen changes yet.
    pub fn open(
        card: Option<&Path>,
        connector: Option<&str>,
        candidates: &[PixelFormat],
    ) -> Result<(KmsSink, PixelFormat), KmsError> {
        let card = Card::find(card)?;
        card.set_client_capability(ClientCapability::UniversalPlanes, true)
            .map_err(ioctl("enabling universal planes"))?;
        let atomic = std::env::var_os(LEGACY_ENV).is_none()
            && card
                .set_client_capability(ClientCapability::Atomic, true)
                .is_ok();
        card.acquire_master_lock()
            .map_err(|source| KmsError::NotMaster {
                path: card.path.clone(),
                source,
            })?;
        let (output, format) = Output::choose(&card, connector, candidates)?;
        let atomic = if atomic {
            Some(atomic_props(&card, &output)?)
        } else {
            None
        };
        let saved = save_crtc(&card, output.crtc)?;
        let flip_clock = match card.get_driver_capability(drm::DriverCapability::MonotonicTimestamp)
        {
            Ok(0) => libc::CLOCK_REALTIME as u32,
            _ => libc::CLOCK_MONOTONIC as u32,
        };
        let sink = KmsSink {
            card,
            output,
            atomic,
            saved: Some(saved),
            framebuffers: Vec::new(),
            gem_handles: Vec::new(),
            copy: None,
            placement: None,
            modeset_done: false,
            in_flight: None,
            on_screen: None,
            flip_clock,
            marker: None,
        };
        Ok((sink, format))
    }

    /// The size of the mode the display has now (or will have by default).
    pub fn current_mode_size(&self) -> (u32, u32) {
        mode_size(&self.output.current_mode)
    }

    /// One line saying where frames go.
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
        format!(
            "{} {} ({}, {})",
            self.card.path.display(),
            self.output.name,
            if self.atomic.is_some() {
                "atomic"
            } else {
                "legacy"
            },
            placement
        )
    }

    pub fn card_path(&self) -> String {
        self.card.path.display().to_string()
    }

    /// Buffers the display may hold at once: the one on screen and the one being flipped to.
    pub fn buffers_held(&self) -> usize {
        2
    }

    /// Copy rung: frames are converted into XRGB8888 dumb buffers instead of imported.
    pub fn use_copy(&mut self) {
        self.copy = Some(CopyTargets {
            filler: Filler::Cpu(None),
            dumb: Vec::new(),
            on_screen: None,
        });
    }

    /// GPU rung: frames are drawn by `converter` into XRGB8888 dumb buffers.
    pub fn use_gpu(&mut self, converter: GpuConverter) {
        self.copy = Some(CopyTargets {
            filler: Filler::Gpu(Box::new(converter)),
            dumb: Vec::new(),
            on_screen: None,
        });
    }

    /// "direct", "copy" or "gpu".
    pub fn rung(&self) -> &'static str {
        match self.copy.as_ref().map(|c| &c.filler) {
            None => "direct",
            Some(Filler::Cpu(_)) => "copy",
            Some(Filler::Gpu(_)) => "gpu",
        }
    }

    /// Imports every camera buffer (once) and decides mode and placement.
    pub fn import(
        &mut self,
        buffers: &[ExportedBuffer],
        format: &StreamFormat,
    ) -> Result<(), KmsError> {
        let frame = (format.width, format.height);
        if self.copy.is_none() {
            for buffer in buffers {
                let fb = self.import_one(buffer, format)?;
                self.framebuffers.push(fb);
            }
            self.placement = Some(self.place(frame)?);
            return Ok(());
        }
        self.prepare_filler(buffers, format)?;
        let refused = match self
            .add_display_buffers(frame)
            .and_then(|()| self.place(frame))
        {
            Ok(placement) => {
                self.placement = Some(placement);
                return Ok(());
            }
            Err(refused) => refused,
        };
        // The GPU scales: when the display refuses buffers of the frame's size (too wide a
        // pitch, no mode that size), it draws into buffers of the current mode instead.
        let mode = self.current_mode_size();
        if self.rung() != "gpu" || mode == frame {
            return Err(refused);
        }
        let why = match refused {
            KmsError::NoFit { .. } => "no placement of them".to_string(),
            other => other.to_string(),
        };
        say!(
            "glasscam: {} refused {}x{} display buffers ({why}); drawing frames scaled into {}x{}",
            self.output.name,
            frame.0,
            frame.1,
            mode.0,
            mode.1
        );
        self.remove_display_buffers();
        self.add_display_buffers(mode)?;
        self.placement = Some(self.place(mode)?);
        Ok(())
    }

    /// Maps the camera buffers for the CPU (copy) or imports them into the GPU (gpu).
    fn prepare_filler(
        &mut self,
        buffers: &[ExportedBuffer],
        format: &StreamFormat,
    ) -> Result<(), KmsError> {
        let Some(copy) = self.copy.as_mut() else {
            return Ok(());
        };
        match &mut copy.filler {
            Filler::Cpu(maps) => {
                *maps = Some(
                    CameraMaps::new(buffers, format).map_err(|e| KmsError::Copy(e.to_string()))?,
                );
            }
            Filler::Gpu(converter) => converter
                .import_camera(buffers, format)
                .map_err(KmsError::Gpu)?,
        }
        Ok(())
    }

    /// Frees the copy and gpu rungs' dumb buffers and their framebuffers.
    fn remove_display_buffers(&mut self) {
        let Some(copy) = self.copy.as_mut() else {
            return;
        };
        if let Filler::Gpu(converter) = &mut copy.filler {
            converter.remove_targets();
        }
        for fb in self.framebuffers.drain(..) {
            let _ = self.card.destroy_framebuffer(fb);
        }
        for dumb in copy.dumb.drain(..) {
            let _ = self.card.destroy_dumb_buffer(dumb);
        }
    }

    /// Allocates the copy and gpu rungs' XRGB8888 dumb buffers, `size` pixels each.
    fn add_display_buffers(&mut self, size: (u32, u32)) -> Result<(), KmsError> {
        let Some(copy) = self.copy.as_mut() else {
            return Ok(());
        };
        for _ in 0..COPY_TARGETS {
            let dumb = self
                .card
                .create_dumb_buffer(size, DrmFourcc::Xrgb8888, 32)
                .map_err(ioctl("allocating a display buffer"))?;
            let fb = self.card.add_framebuffer(&dumb, 24, 32);
            if let Filler::Gpu(converter) = &mut copy.filler {
                let flags = (libc::O_RDWR | libc::O_CLOEXEC) as u32;
                let fd = self
                    .card
                    .buffer_to_prime_fd(dumb.handle(), flags)
                    .map_err(ioctl("exporting a display buffer"))?;
                converter
                    .add_target(fd.as_fd(), size, dumb.pitch())
                    .map_err(KmsError::Gpu)?;
            }
            copy.dumb.push(dumb);
            self.framebuffers
                .push(fb.map_err(ioctl("adding a framebuffer for a display buffer"))?);
        }
        Ok(())
    }

    /// Copy rung: converts camera buffer `index` into the dumb buffer not on screen.
    /// Returns the slot filled and the marker colour drawn into it.
    fn fill_copy_target(&mut self, index: usize) -> Result<(usize, Option<bool>), KmsError> {
        let Some(copy) = self.copy.as_mut() else {
            return Err(KmsError::NotImported(index));
        };
        let slot = copy.on_screen.map_or(0, |s| (s + 1) % copy.dumb.len());
        let marker = self.marker.as_ref().map(Marker::wanted);
        match &copy.filler {
            Filler::Gpu(converter) => converter.draw(index, slot, marker).map_err(KmsError::Gpu)?,
            Filler::Cpu(maps) => {
                let maps = maps.as_ref().ok_or(KmsError::NotImported(index))?;
                let dumb = &mut copy.dumb[slot];
                let pitch = dumb.pitch() as usize;
                let (w, h) = dumb.size();
                let mut mapping = self
                    .card
                    .map_dumb_buffer(dumb)
                    .map_err(ioctl("mapping a display buffer"))?;
                maps.convert(index, &mut mapping, pitch)
                    .map_err(|e| KmsError::Copy(e.to_string()))?;
                if let Some(white) = marker {
                    // The copy rung's buffers are the frame's size: the picture fills them.
                    let square = MarkerSquare::in_picture(0, 0, w, h);
                    marker::paint(&mut mapping, pitch, square, white);
                }
            }
        }
        Ok((slot, marker))
    }

    fn import_one(
        &mut self,
        buffer: &ExportedBuffer,
        format: &StreamFormat,
    ) -> Result<framebuffer::Handle, KmsError> {
        let mut mem_handles = Vec::with_capacity(buffer.planes.len());
        for plane in &buffer.planes {
            let handle = self
                .card
                .prime_fd_to_buffer(plane.fd.as_fd())
                .map_err(|source| KmsError::Import {
                    index: buffer.index,
                    source,
                })?;
            // Importing one dmabuf twice yields the same handle: close it only once.
            if !self.gem_handles.contains(&handle) {
                self.gem_handles.push(handle);
            }
            mem_handles.push(handle);
        }
        let mut handles = [None; 4];
        for (slot, plane) in handles.iter_mut().zip(&format.layout) {
            *slot = Some(mem_handles[plane.mem_plane]);
        }
        let fb = CameraFramebuffer {
            format,
            handles,
            linear: self.output.linear_modifier,
        };
        let flags = if fb.linear {
            FbCmd2Flags::MODIFIERS
        } else {
            FbCmd2Flags::empty()
        };
        self.card
            .add_planar_framebuffer(&fb, flags)
            .map_err(|source| KmsError::AddFramebuffer {
                format: format.pixel.name(),
                width: format.width,
                height: format.height,
                source,
            })
    }

    /// The current mode if the frame fits it, else the plane scaled into it if the driver
    /// accepts that, else a mode of the frame's size.
    fn place(&self, frame: (u32, u32)) -> Result<Placement, KmsError> {
        let current = self.output.current_mode;
        let mut candidates = Vec::new();
        if mode_size(&current) == frame {
            candidates.push(full_screen(current));
        } else if self.atomic.is_some() {
            candidates.push(fitted(current, frame));
        }
        candidates.extend(
            self.output
                .modes_of_size(frame.0, frame.1)
                .into_iter()
                .map(full_screen),
        );
        let fb = *self.framebuffers.first().ok_or(KmsError::NotImported(0))?;
        for placement in candidates {
            let accepted = match &self.atomic {
                Some(props) => self.test_commit(props, fb, &placement).is_ok(),
                None => true,
            };
            if accepted {
                return Ok(placement);
            }
            tracing::debug!("display refused {:?}", placement);
        }
        Err(KmsError::NoFit {
            frame: format!("{}x{}", frame.0, frame.1),
            connector: self.output.name.clone(),
            mode: describe_mode(&current),
            modes: self.output.mode_list(),
        })
    }

    fn test_commit(
        &self,
        props: &AtomicProps,
        fb: framebuffer::Handle,
        placement: &Placement,
    ) -> Result<(), KmsError> {
        let req = self.modeset_request(props, fb, placement)?;
        self.card
            .atomic_commit(
                AtomicCommitFlags::TEST_ONLY | AtomicCommitFlags::ALLOW_MODESET,
                req,
            )
            .map_err(ioctl("testing the display configuration"))
    }

    fn modeset_request(
        &self,
        props: &AtomicProps,
        fb: framebuffer::Handle,
        placement: &Placement,
    ) -> Result<AtomicModeReq, KmsError> {
        let blob = self
            .card
            .create_property_blob(&placement.mode)
            .map_err(ioctl("creating the mode blob"))?;
        let mut req = AtomicModeReq::new();
        req.add_property(
            self.output.connector.handle(),
            props.connector_crtc,
            property::Value::CRTC(Some(self.output.crtc)),
        );
        req.add_property(self.output.crtc, props.crtc_mode, blob);
        req.add_property(
            self.output.crtc,
            props.crtc_active,
            property::Value::Boolean(true),
        );
        let (x, y, w, h) = placement.dst;
        let src_w = u64::from(self.framebuffer_size().0) << 16;
        let src_h = u64::from(self.framebuffer_size().1) << 16;
        let values: [u64; 10] = [
            u32::from(fb).into(),
            u32::from(self.output.crtc).into(),
            0,
            0,
            src_w,
            src_h,
            x as u64,
            y as u64,
            w.into(),
            h.into(),
        ];
        for (prop, value) in props.plane.iter().zip(values) {
            req.add_raw_property(self.output.plane.into(), *prop, value);
        }
        Ok(req)
    }

    fn framebuffer_size(&self) -> (u32, u32) {
        self.framebuffers
            .first()
            .and_then(|&fb| self.card.get_framebuffer(fb).ok())
            .map(|info| info.size())
            .unwrap_or((0, 0))
    }

    pub fn can_present(&self) -> bool {
        self.in_flight.is_none()
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
        u64::from(self.in_flight.is_some())
    }

    /// Starts showing camera buffer `index`. Completion arrives as a page-flip event, except
    /// for a legacy modeset, which completes at once and is added to `events` here.
    pub fn present(&mut self, index: usize, events: &mut Vec<SinkEvent>) -> Result<(), KmsError> {
        if self.in_flight.is_some() {
            return Err(KmsError::FlipPending);
        }
        // Copy: the camera buffer is free again as soon as it is converted.
        let (slot, marker) = if self.copy.is_some() {
            let filled = self.fill_copy_target(index)?;
            events.push(SinkEvent::Released(index));
            filled
        } else {
            (index, None)
        };
        let in_flight = InFlight {
            index,
            slot,
            since: Instant::now(),
            marker,
        };
        let fb = *self
            .framebuffers
            .get(slot)
            .ok_or(KmsError::NotImported(index))?;
        let placement = self.placement.ok_or(KmsError::NotImported(index))?;
        // Taken before the ioctl: a flip event may be stamped before the ioctl returns.
        let committed = SinkEvent::Committed {
            index,
            time: crate::clock::monotonic_now(),
        };
        match (&self.atomic, self.modeset_done) {
            (Some(props), false) => {
                let req = self.modeset_request(props, fb, &placement)?;
                self.card
                    .atomic_commit(
                        AtomicCommitFlags::ALLOW_MODESET | AtomicCommitFlags::PAGE_FLIP_EVENT,
                        req,
                    )
                    .map_err(ioctl("setting the display mode"))?;
            }
            (Some(props), true) => {
                // One property of one object, from the stack: drm's AtomicModeReq would
                // allocate four vectors for it on every frame.
                drm_ffi::mode::atomic_commit(
                    self.card.as_fd(),
                    (AtomicCommitFlags::PAGE_FLIP_EVENT | AtomicCommitFlags::NONBLOCK).bits(),
                    &mut [u32::from(self.output.plane)],
                    &mut [1],
                    &mut [u32::from(props.plane[0])],
                    &mut [u64::from(u32::from(fb))],
                )
                .map_err(ioctl("flipping to the next frame"))?;
            }
            (None, false) => {
                let (x, y, _, _) = placement.dst;
                self.card
                    .set_crtc(
                        self.output.crtc,
                        Some(fb),
                        (x.max(0) as u32, y.max(0) as u32),
                        &[self.output.connector.handle()],
                        Some(placement.mode),
                    )
                    .map_err(ioctl("setting the display mode"))?;
                self.modeset_done = true;
                self.in_flight = Some(in_flight);
                events.push(committed);
                self.flip_completed(None, events);
                return Ok(());
            }
            (None, true) => {
                self.card
                    .page_flip(self.output.crtc, fb, PageFlipFlags::EVENT, None)
                    .map_err(ioctl("flipping to the next frame"))?;
            }
        }
        self.modeset_done = true;
        self.in_flight = Some(in_flight);
        events.push(committed);
        Ok(())
    }

    /// Reads the card's events after its fd became readable.
    pub fn dispatch(&mut self, events: &mut Vec<SinkEvent>) -> Result<(), KmsError> {
        for event in self
            .card
            .receive_events()
            .map_err(ioctl("reading display events"))?
        {
            if let Event::PageFlip(flip) = event {
                if flip.crtc == self.output.crtc {
                    let time = crate::clock::to_monotonic(self.flip_clock, flip.duration);
                    self.flip_completed(time, events);
                }
            }
        }
        Ok(())
    }

    fn flip_completed(&mut self, time: Option<Duration>, events: &mut Vec<SinkEvent>) {
        let Some(InFlight {
            index,
            slot,
            marker: drawn,
            ..
        }) = self.in_flight.take()
        else {
            return;
        };
        events.push(SinkEvent::Presented { index, time });
        let marker_change = self
            .marker
            .as_mut()
            .zip(drawn)
            .and_then(|(m, c)| m.shown(c));
        if let Some(white) = marker_change {
            events.push(SinkEvent::MarkerPresented {
                white,
                time,
                refresh_ns: self.placement.map_or(0, |p| marker::refresh_ns(&p.mode)),
            });
        }
        match &mut self.copy {
            Some(copy) => copy.on_screen = Some(slot),
            None => {
                if let Some(previous) = self.on_screen.replace(index) {
                    events.push(SinkEvent::Released(previous));
                }
            }
        }
    }

    /// Fails when a flip was never completed: the display is stuck or gone.
    pub fn check_flip_progress(&self) -> Result<(), KmsError> {
        match &self.in_flight {
            Some(flip) if flip.since.elapsed() > FLIP_TIMEOUT => {
                Err(KmsError::FlipTimeout(FLIP_TIMEOUT.as_secs()))
            }
            _ => Ok(()),
        }
    }

    /// Puts the CRTC back as found; framebuffers go only after nothing scans them out.
    pub fn restore(&mut self) {
        if let Some(saved) = self.saved.take() {
            if self.modeset_done {
                if !self.output.primary {
                    let _ = self.card.set_plane(
                        self.output.plane,
                        self.output.crtc,
                        None,
                        0,
                        (0, 0, 0, 0),
                        (0, 0, 0, 0),
                    );
                }
                let result = match (saved.framebuffer, saved.mode) {
                    (Some(fb), Some(mode)) => self.card.set_crtc(
                        self.output.crtc,
                        Some(fb),
                        saved.position,
                        &saved.connectors,
                        Some(mode),
                    ),
                    _ => self
                        .card
                        .set_crtc(self.output.crtc, None, (0, 0), &[], None),
                };
                if let Err(e) = result {
                    tracing::warn!("could not restore the display: {e}");
                }
            }
        }
        // Copy and gpu rungs: the GPU's images of the display buffers go before the buffers.
        self.remove_display_buffers();
        // Direct rung: the camera buffers' framebuffers and imports.
        for fb in self.framebuffers.drain(..) {
            let _ = self.card.destroy_framebuffer(fb);
        }
        for handle in self.gem_handles.drain(..) {
            let _ = self.card.close_buffer(handle);
        }
        if let Some(copy) = self.copy.as_mut() {
            // The GPU's images and CPU maps of the camera buffers go before the camera does.
            copy.filler = Filler::Cpu(None);
            copy.on_screen = None;
        }
        self.in_flight = None;
        self.on_screen = None;
    }

    /// Draws bench --g2g's marker into every frame from now on: possible only where glasscam
    /// draws the frames (gpu and copy rungs).
    pub fn enable_marker(&mut self) -> Result<(), KmsError> {
        if self.copy.is_none() {
            return Err(KmsError::MarkerNeedsDrawing(self.output.name.clone()));
        }
        self.marker = Some(Marker::default());
        Ok(())
    }

    /// Turns the marker white or black; its presentation arrives as MarkerPresented.
    pub fn flip_marker(&mut self, white: bool) {
        if let Some(marker) = &mut self.marker {
            marker.set(white);
        }
    }
}

impl AsFd for KmsSink {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.card.as_fd()
    }
}

impl Drop for KmsSink {
    fn drop(&mut self) {
        self.restore();
        let _ = self.card.release_master_lock();
    }
}

fn full_screen(mode: Mode) -> Placement {
    let (w, h) = mode_size(&mode);
    Placement {
        mode,
        dst: (0, 0, w, h),
    }
}

/// The largest rectangle of the frame's aspect ratio inside the mode, centred.
fn fitted(mode: Mode, frame: (u32, u32)) -> Placement {
    let (mw, mh) = mode_size(&mode);
    let (w, h) = crate::geometry::fit(frame, (mw, mh));
    Placement {
        mode,
        dst: (((mw - w) / 2) as i32, ((mh - h) / 2) as i32, w, h),
    }
}

fn atomic_props(card: &Card, output: &Output) -> Result<AtomicProps, KmsError> {
    let find = |map: &std::collections::HashMap<String, (property::Handle, u64)>, name: &str| {
        map.get(name).map(|&(h, _)| h).ok_or(KmsError::Ioctl {
            what: "finding an atomic property",
            source: std::io::Error::other(format!("the driver has no {name} property")),
        })
    };
    let connector = card.properties(output.connector.handle())?;
    let crtc = card.properties(output.crtc)?;
    let plane = card.properties(output.plane)?;
    let plane_props = PLANE_PROPS
        .iter()
        .map(|name| find(&plane, name))
        .collect::<Result<_, _>>()?;
    Ok(AtomicProps {
        connector_crtc: find(&connector, "CRTC_ID")?,
        crtc_mode: find(&crtc, "MODE_ID")?,
        crtc_active: find(&crtc, "ACTIVE")?,
        plane: plane_props,
    })
}

fn save_crtc(card: &Card, handle: crtc::Handle) -> Result<SavedCrtc, KmsError> {
    let info = card.get_crtc(handle).map_err(ioctl("reading the CRTC"))?;
    let resources = card
        .resource_handles()
        .map_err(ioctl("reading DRM resources"))?;
    let connectors = resources
        .connectors()
        .iter()
        .copied()
        .filter(|&c| {
            card.get_connector(c, false)
                .ok()
                .and_then(|info| info.current_encoder())
                .and_then(|e| card.get_encoder(e).ok())
                .and_then(|e| e.crtc())
                == Some(handle)
        })
        .collect();
    Ok(SavedCrtc {
        framebuffer: info.framebuffer(),
        mode: info.mode(),
        position: info.position(),
        connectors,
    })
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
        let p = fitted(mode(1920, 1080), (640, 480));
        assert_eq!(p.dst, (240, 0, 1440, 1080));
        assert_eq!(fitted(mode(1024, 768), (1280, 720)).dst, (0, 96, 1024, 576));
    }
}
