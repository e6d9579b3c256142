//! The desktop sink: camera dmabufs handed to the Wayland compositor.
//!
//! Each V4L2 buffer becomes one zwp_linux_dmabuf wl_buffer, created once. A frame is one
//! attach + commit, paced by frame callbacks; wl_buffer.release gives it back to the camera,
//! and wp_presentation says whether and when it reached the screen.

mod error;
mod marker;
mod presentation;
mod state;

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use smithay_client_toolkit::compositor::{CompositorState, FrameCallbackData};
use smithay_client_toolkit::dmabuf::DmabufState;
use smithay_client_toolkit::output::OutputState;
use smithay_client_toolkit::registry::RegistryState;
use smithay_client_toolkit::seat::SeatState;
use smithay_client_toolkit::shell::xdg::window::WindowDecorations;
use smithay_client_toolkit::shell::xdg::XdgShell;
use smithay_client_toolkit::shell::WaylandSurface;
use smithay_client_toolkit::shm::slot::{Buffer as ShmBuffer, SlotPool};
use smithay_client_toolkit::shm::Shm;
use wayland_client::backend::ReadEventsGuard;
use wayland_client::globals::{registry_queue_init, GlobalList};
use wayland_client::protocol::{wl_shm, wl_surface};
use wayland_client::{Connection, EventQueue, Proxy, QueueHandle, WEnum};
use wayland_protocols::wp::linux_dmabuf::zv1::client::zwp_linux_buffer_params_v1::Flags;
use wayland_protocols::wp::linux_dmabuf::zv1::client::zwp_linux_dmabuf_feedback_v1::TrancheFlags;
use wayland_protocols::wp::viewporter::client::{wp_viewport, wp_viewporter};

pub use error::WaylandError;
use presentation::PresentationState;
pub use state::PresentationCounts;
use state::{Role, TeardownSync, WaylandState};

use super::cpu_copy::CameraMaps;
use super::Rung;
use super::SinkEvent;
use crate::capture::{ExportedBuffer, StreamFormat};
use crate::dmabuf::heap as dma_heap;
use crate::format::{fourcc_name, PixelFormat};
use crate::render::GpuConverter;
use marker::Marker;

const MODIFIER_LINEAR: u64 = 0;
/// DRM_FORMAT_MOD_INVALID: "implicit", which compositors take as linear for foreign buffers.
const MODIFIER_INVALID: u64 = 0x00ff_ffff_ffff_ffff;
/// Roundtrips to wait for the first configure (each one answers everything sent before it).
const CONFIGURE_ROUNDTRIPS: usize = 5;
/// How long teardown waits for the compositor to take in the destroyed buffers. A compositor
/// busy elsewhere must not hold up the exit (weston on llvmpipe under TCG once took 17 s to
/// answer); the dmabufs keep their memory until it lets go of them.
const TEARDOWN_WAIT: Duration = Duration::from_secs(1);

pub struct WaylandSink {
    connection: Connection,
    queue: EventQueue<WaylandState>,
    qh: QueueHandle<WaylandState>,
    state: WaylandState,
    display: String,
    modifier: u64,
    viewport: Option<wp_viewport::WpViewport>,
    frame_size: (u32, u32),
    /// restore() has run: dropping the sink after it has nothing left to do.
    restored: bool,
    copy: Option<ShmTargets>,
    /// GPU rung: the converter, and the dmabufs it draws into (state.targets wraps them).
    gpu: Option<Box<GpuConverter>>,
    gpu_fds: Vec<OwnedFd>,
    /// The window size the viewport was last set for.
    placed_for: Option<(u32, u32)>,
    /// The picture's height in the window, for the marker's corner.
    picture_height: u32,
    globals: GlobalList,
    marker: Option<Marker>,
}

fn lost(_: impl std::fmt::Debug) -> WaylandError {
    WaylandError::Disconnected
}

impl WaylandSink {
    /// Connects, binds the globals and picks the first of `candidates` the compositor imports
    /// as a LINEAR dmabuf (preferring its scanout tranche); then maps a window.
    /// On the copy rung frames are converted into wl_shm buffers, on the gpu rung drawn into
    /// XRGB8888 dmabufs; either way `candidates` holds just that display format.
    pub fn open(
        candidates: &[PixelFormat],
        fullscreen: bool,
        rung: Rung,
    ) -> Result<(WaylandSink, PixelFormat), WaylandError> {
        let copy = matches!(rung, Rung::Copy);
        let display = std::env::var("WAYLAND_DISPLAY").unwrap_or_default();
        let connection = Connection::connect_to_env().map_err(|_| WaylandError::Connect {
            display: display.clone(),
        })?;
        let (globals, mut queue) =
            registry_queue_init::<WaylandState>(&connection).map_err(lost)?;
        let qh = queue.handle();
        let compositor = CompositorState::bind(&globals, &qh)
            .map_err(|_| WaylandError::MissingGlobal("wl_compositor"))?;
        let xdg = XdgShell::bind(&globals, &qh)
            .map_err(|_| WaylandError::MissingGlobal("xdg_wm_base"))?;
        let dmabuf = DmabufState::new(&globals, &qh);
        let shm = if copy {
            Some(Shm::bind(&globals, &qh).map_err(|_| WaylandError::MissingGlobal("wl_shm"))?)
        } else {
            None
        };
        if dmabuf.version().is_none() && !copy {
            return Err(WaylandError::MissingGlobal(
                "zwp_linux_dmabuf_v1 (version 3 or later)",
            ));
        }
        let presentation = PresentationState::bind(&globals, &qh);
        let viewporter = globals
            .bind::<wp_viewporter::WpViewporter, _, _>(&qh, 1..=1, ())
            .ok();
        if viewporter.is_none() {
            tracing::warn!(
                "the compositor has no wp_viewporter: the window keeps the frame's size"
            );
        }
        let mut state = WaylandState::new(
            RegistryState::new(&globals),
            SeatState::new(&globals, &qh),
            OutputState::new(&globals, &qh),
            compositor,
            xdg,
            dmabuf,
            presentation,
            viewporter,
        );
        // Before any roundtrip: wl_shm sends its formats to the state right away.
        state.shm = shm;
        let surface = state.compositor.create_surface(&qh);
        let window = state
            .xdg
            .create_window(surface, WindowDecorations::RequestServer, &qh);
        window.set_app_id("glasscam");
        window.set_title("glasscam");
        if fullscreen {
            window.set_fullscreen(None);
        }
        window.commit();
        let viewport = state
            .viewporter
            .as_ref()
            .map(|v| v.get_viewport(window.wl_surface(), &qh, ()));
        if state.dmabuf.version() >= Some(4) {
            let missing = |_| WaylandError::MissingGlobal("zwp_linux_dmabuf_v1 feedback");
            state.dmabuf.get_default_feedback(&qh).map_err(missing)?;
            let surface_feedback = state
                .dmabuf
                .get_surface_feedback(window.wl_surface(), &qh)
                .map_err(missing)?;
            state.surface_feedback_id = Some(surface_feedback.id());
        }
        state.window = Some(window);
        queue.roundtrip(&mut state).map_err(lost)?;
        queue.roundtrip(&mut state).map_err(lost)?;
        let (format, modifier) = match candidates.first() {
            Some(&first) if copy => (first, MODIFIER_LINEAR),
            _ => choose_format(&offered_formats(&state), candidates)?,
        };
        for _ in 0..CONFIGURE_ROUNDTRIPS {
            if state.configured.is_some() {
                break;
            }
            queue.roundtrip(&mut state).map_err(lost)?;
        }
        if state.configured.is_none() {
            return Err(WaylandError::NoConfigure(CONFIGURE_ROUNDTRIPS as u64));
        }
        let gpu = match rung {
            Rung::Gpu(converter) => Some(converter),
            _ => None,
        };
        let sink = WaylandSink {
            gpu,
            gpu_fds: Vec::new(),
            connection,
            queue,
            qh,
            state,
            display,
            modifier,
            viewport,
            frame_size: (0, 0),
            restored: false,
            copy: None,
            placed_for: None,
            picture_height: 0,
            globals,
            marker: None,
        };
        Ok((sink, format))
    }

    pub fn describe(&self) -> String {
        let (w, h) = self.state.configured.unwrap_or_default();
        format!(
            "Wayland {} (linux-dmabuf v{}, window {w}x{h}{})",
            self.display,
            self.state.dmabuf.version().unwrap_or(0),
            if self.state.fullscreen {
                ", fullscreen"
            } else {
                ""
            }
        )
    }

    pub fn display_name(&self) -> String {
        self.display.clone()
    }

    /// The compositor may hold the buffer on screen, the one just committed, and one more
    /// it has not released yet.
    pub fn buffers_held(&self) -> usize {
        3
    }

    pub fn presentation(&self) -> PresentationCounts {
        self.state.counts
    }

    /// Where presentation times come from and how they reach CLOCK_MONOTONIC.
    pub fn presentation_clock(&self) -> String {
        self.state.presentation.clock_description()
    }

    /// One wl_buffer per camera buffer, created once and kept for the whole run.
    pub fn import(
        &mut self,
        buffers: &[ExportedBuffer],
        format: &StreamFormat,
        device: &str,
    ) -> Result<(), WaylandError> {
        if let Some(window) = &self.state.window {
            window.set_title(format!(
                "glasscam: {device} {} {}x{}",
                format.pixel.name(),
                format.width,
                format.height
            ));
        }
        self.frame_size = (format.width, format.height);
        if let Some(shm) = &self.state.shm {
            self.copy = Some(ShmTargets::new(shm, buffers, format)?);
            return Ok(());
        }
        let size = (format.width, format.height);
        if self.gpu.is_some() {
            self.allocate_gpu_targets(buffers, format)?;
        } else {
            self.state.buffers = vec![None; buffers.len()];
            for buffer in buffers {
                let planes: Vec<_> = format
                    .layout
                    .iter()
                    .map(|p| (buffer.planes[p.mem_plane].fd.as_fd(), p.offset, p.pitch))
                    .collect();
                let role = Role::Camera(buffer.index);
                self.request_buffer(&planes, size, format.pixel.drm as u32, role)?;
            }
        }
        while !self.state.pending_params.is_empty() {
            self.queue.roundtrip(&mut self.state).map_err(lost)?;
        }
        if let Some(&role) = self.state.refused.first() {
            let (Role::Camera(index) | Role::Target(index)) = role;
            return Err(WaylandError::BufferRefused {
                index,
                format: format.pixel.name(),
                width: format.width,
                height: format.height,
            });
        }
        Ok(())
    }

    /// Asks for a wl_buffer over dmabuf planes (fd, offset, pitch); it arrives as `created`.
    fn request_buffer(
        &mut self,
        planes: &[(BorrowedFd<'_>, u32, u32)],
        (width, height): (u32, u32),
        drm_format: u32,
        role: Role,
    ) -> Result<(), WaylandError> {
        let params = self
            .state
            .dmabuf
            .create_params(&self.qh)
            .map_err(|_| WaylandError::MissingGlobal("zwp_linux_dmabuf_v1"))?;
        for (plane_index, &(fd, offset, pitch)) in planes.iter().enumerate() {
            params.add(fd, plane_index as u32, offset, pitch, self.modifier);
        }
        let proxy = params.create(width as i32, height as i32, drm_format, Flags::empty());
        self.state.pending_params.insert(proxy.id(), role);
        Ok(())
    }

    /// GPU rung: camera planes into EGL, and XRGB8888 dma-heap buffers as render targets,
    /// each wrapped in a wl_buffer once.
    fn allocate_gpu_targets(
        &mut self,
        buffers: &[ExportedBuffer],
        format: &StreamFormat,
    ) -> Result<(), WaylandError> {
        let size = (format.width, format.height);
        let pitch = format.width * 4;
        let converter = self.gpu.as_mut().ok_or(WaylandError::Disconnected)?;
        converter
            .import_camera(buffers, format)
            .map_err(WaylandError::Gpu)?;
        let mut fds = Vec::with_capacity(GPU_TARGETS);
        for _ in 0..GPU_TARGETS {
            let fd = dma_heap::allocate((pitch * format.height) as usize)
                .map_err(|e| WaylandError::Copy(format!("allocating a dma-heap buffer: {e}")))?;
            converter
                .add_target(fd.as_fd(), size, pitch)
                .map_err(WaylandError::Gpu)?;
            fds.push(fd);
        }
        self.state.targets = vec![None; GPU_TARGETS];
        self.state.target_busy = vec![false; GPU_TARGETS];
        let xrgb = drm_fourcc::DrmFourcc::Xrgb8888 as u32;
        for (slot, fd) in fds.iter().enumerate() {
            self.request_buffer(&[(fd.as_fd(), 0, pitch)], size, xrgb, Role::Target(slot))?;
        }
        self.gpu_fds = fds;
        Ok(())
    }

    pub fn can_present(&self) -> bool {
        self.state.configured.is_some() && !self.state.frame_pending && !self.state.quit
    }

    /// Commits whose presentation (or discard) has not been reported yet.
    pub fn frames_in_flight(&self) -> u64 {
        (self.state.awaiting_feedback + self.state.unmeasured.len()) as u64
    }

    /// Keeps the picture's aspect ratio inside the window: the compositor scales.
    fn place(&mut self) {
        let window = self.state.configured.unwrap_or_default();
        if self.placed_for == Some(window) {
            return;
        }
        self.placed_for = Some(window);
        let Some(viewport) = &self.viewport else {
            return;
        };
        let (fw, fh) = self.frame_size;
        let (w, h) = if window.0 == 0 || window.1 == 0 {
            (fw, fh)
        } else {
            crate::geometry::fit((fw, fh), window)
        };
        viewport.set_source(0.0, 0.0, f64::from(fw), f64::from(fh));
        viewport.set_destination(w.max(1) as i32, h.max(1) as i32);
        self.picture_height = h;
    }

    /// Adds the g2g marker, black until the first flip.
    pub fn enable_marker(&mut self) -> Result<(), WaylandError> {
        let Some(window) = &self.state.window else {
            return Err(WaylandError::Disconnected);
        };
        let parent = window.wl_surface().clone();
        let marker = Marker::new(&self.globals, &self.state, &parent, &self.qh)?;
        self.marker = Some(marker);
        Ok(())
    }

    /// Turns the marker white or black; its presentation arrives as MarkerPresented.
    pub fn flip_marker(&mut self, white: bool) -> Result<(), WaylandError> {
        let height = if self.picture_height > 0 {
            self.picture_height
        } else {
            self.frame_size.1
        };
        let Some(marker) = &mut self.marker else {
            return Ok(());
        };
        // Placed relative to the picture; the parent's next commit applies a move.
        marker.place(height as i32);
        let surface = marker.show(white);
        if !self
            .state
            .presentation
            .marker_feedback(surface, &self.qh, white)
        {
            return Err(WaylandError::MissingGlobal(
                "wp_presentation (bench --g2g times the marker by it)",
            ));
        }
        surface.commit();
        self.connection.flush().map_err(lost)
    }

    /// Commits camera buffer `index`; presentation and release arrive as events.
    pub fn present(
        &mut self,
        index: usize,
        events: &mut Vec<SinkEvent>,
    ) -> Result<(), WaylandError> {
        self.place();
        let Some(window) = &self.state.window else {
            return Err(WaylandError::Disconnected);
        };
        let surface = window.wl_surface().clone();
        if let Some(copy) = &mut self.copy {
            // The camera buffer is free again as soon as it is converted.
            events.push(SinkEvent::Released(index));
            if !copy.fill_and_attach(index, &surface)? {
                return Ok(());
            }
        } else if let Some(converter) = &self.gpu {
            // Drawn and finished: the camera buffer is free again.
            events.push(SinkEvent::Released(index));
            let Some(slot) = self.state.target_busy.iter().position(|busy| !busy) else {
                return Ok(());
            };
            converter
                .draw(index, slot, None)
                .map_err(WaylandError::Gpu)?;
            let target = self.state.targets[slot]
                .clone()
                .ok_or(WaylandError::Disconnected)?;
            surface.attach(Some(&target), 0, 0);
            self.state.target_busy[slot] = true;
        } else {
            let buffer = self
                .state
                .buffers
                .get(index)
                .and_then(|b| b.clone())
                .ok_or(WaylandError::BufferRefused {
                    index,
                    format: String::new(),
                    width: self.frame_size.0,
                    height: self.frame_size.1,
                })?;
            surface.attach(Some(&buffer), 0, 0);
        }
        surface.damage_buffer(0, 0, self.frame_size.0 as i32, self.frame_size.1 as i32);
        surface.frame(&self.qh, FrameCallbackData(surface.clone()));
        self.state.frame_pending = true;
        // Without wp_presentation, the frame callback is the best "on screen" we get.
        match self.state.presentation.feedback(&surface, &self.qh, index) {
            Some(_) => self.state.awaiting_feedback += 1,
            None => self.state.unmeasured.push(index),
        }
        let time = crate::clock::monotonic_now();
        surface.commit();
        self.connection.flush().map_err(lost)?;
        events.push(SinkEvent::Committed { index, time });
        Ok(())
    }

    /// "direct", "copy" or "gpu".
    pub fn rung(&self) -> &'static str {
        if self.state.shm.is_some() {
            "copy"
        } else if self.gpu.is_some() {
            "gpu"
        } else {
            "direct"
        }
    }

    /// Reads and handles whatever the compositor sent.
    pub fn dispatch(&mut self, events: &mut Vec<SinkEvent>) -> Result<(), WaylandError> {
        self.queue.dispatch_pending(&mut self.state).map_err(lost)?;
        if let Some(guard) = self.queue.prepare_read() {
            read_socket(guard)?;
        }
        self.queue.dispatch_pending(&mut self.state).map_err(lost)?;
        if std::mem::take(&mut self.state.toggle_fullscreen) {
            if let Some(window) = &self.state.window {
                if self.state.fullscreen {
                    window.unset_fullscreen();
                } else {
                    window.set_fullscreen(None);
                }
            }
        }
        events.append(&mut self.state.events);
        if self.state.quit {
            events.push(SinkEvent::CloseRequested);
        }
        self.connection.flush().map_err(lost)?;
        Ok(())
    }

    /// Lets go of every buffer and the window, and waits (briefly) until the compositor has
    /// too.
    pub fn restore(&mut self) {
        if std::mem::replace(&mut self.restored, true) {
            return;
        }
        for buffer in self.state.buffers.drain(..).flatten() {
            buffer.destroy();
        }
        for buffer in self.state.targets.drain(..).flatten() {
            buffer.destroy();
        }
        self.copy = None;
        self.gpu = None;
        self.gpu_fds.clear();
        if let Some(marker) = self.marker.take() {
            marker.destroy();
        }
        if let Some(viewport) = self.viewport.take() {
            viewport.destroy();
        }
        self.state.window = None;
        if !self.wait_for_compositor(TEARDOWN_WAIT) {
            tracing::info!(
                "the compositor did not answer within {} ms; exiting without it",
                TEARDOWN_WAIT.as_millis()
            );
        }
    }

    /// Waits, at most `limit`, until the compositor has handled every request sent so far.
    fn wait_for_compositor(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        self.state.synced = false;
        self.connection.display().sync(&self.qh, TeardownSync);
        while !self.state.synced {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.connection.flush().is_err() {
                return false;
            }
            if let Some(guard) = self.queue.prepare_read() {
                let mut fds = [PollFd::new(guard.connection_fd(), PollFlags::POLLIN)];
                let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
                if !matches!(poll(&mut fds, timeout), Ok(n) if n > 0) {
                    continue;
                }
                if read_socket(guard).is_err() {
                    return false;
                }
            }
            if self.queue.dispatch_pending(&mut self.state).is_err() {
                return false;
            }
        }
        true
    }
}

/// Reads what the compositor sent into the queue; nothing there yet is not an error.
fn read_socket(guard: ReadEventsGuard) -> Result<(), WaylandError> {
    match guard.read() {
        Ok(_) => Ok(()),
        Err(wayland_client::backend::WaylandError::Io(e))
            if e.kind() == std::io::ErrorKind::WouldBlock =>
        {
            Ok(())
        }
        Err(e) => Err(lost(e)),
    }
}

impl AsFd for WaylandSink {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.connection.as_fd()
    }
}

impl Drop for WaylandSink {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Buffers the gpu rung draws into: one on screen, one committed, one being drawn.
const GPU_TARGETS: usize = 3;

/// Wayland buffers of the copy rung: one on screen, one committed, one being filled.
const COPY_TARGETS: usize = 3;

/// The copy rung's display side: XRGB8888 wl_shm buffers glasscam fills on the CPU.
struct ShmTargets {
    maps: CameraMaps,
    pool: SlotPool,
    buffers: Vec<ShmBuffer>,
}

impl ShmTargets {
    fn new(
        shm: &Shm,
        buffers: &[ExportedBuffer],
        format: &StreamFormat,
    ) -> Result<Self, WaylandError> {
        let copy_error = |e: String| WaylandError::Copy(e);
        let maps = CameraMaps::new(buffers, format).map_err(|e| copy_error(e.to_string()))?;
        let (w, h) = (format.width as i32, format.height as i32);
        let size = (w * h * 4) as usize * COPY_TARGETS;
        let mut pool = SlotPool::new(size, shm).map_err(|e| copy_error(e.to_string()))?;
        let mut targets = Vec::with_capacity(COPY_TARGETS);
        for _ in 0..COPY_TARGETS {
            let (buffer, _) = pool
                .create_buffer(w, h, w * 4, wl_shm::Format::Xrgb8888)
                .map_err(|e| copy_error(e.to_string()))?;
            targets.push(buffer);
        }
        Ok(ShmTargets {
            maps,
            pool,
            buffers: targets,
        })
    }

    /// Converts camera buffer `index` into a wl_shm buffer the compositor is not reading
    /// and attaches it; false when all are still held (the frame is dropped).
    fn fill_and_attach(
        &mut self,
        index: usize,
        surface: &wl_surface::WlSurface,
    ) -> Result<bool, WaylandError> {
        let Some(target) = self
            .buffers
            .iter()
            .find(|b| b.canvas(&mut self.pool).is_some())
        else {
            return Ok(false);
        };
        let pitch = target.stride() as usize;
        let canvas = target
            .canvas(&mut self.pool)
            .ok_or(WaylandError::Disconnected)?;
        self.maps
            .convert(index, canvas, pitch)
            .map_err(|e| WaylandError::Copy(e.to_string()))?;
        target
            .attach_to(surface)
            .map_err(|e| WaylandError::Copy(e.to_string()))?;
        Ok(true)
    }
}

/// (format, modifier, preference rank) for everything the compositor imports: from the
/// surface's (else the default) feedback tranches, the scanout tranche first; with v3 from
/// its modifier list.
fn offered_formats(state: &WaylandState) -> Vec<(u32, u64, usize)> {
    let Some(feedback) = state
        .surface_feedback
        .as_ref()
        .or(state.default_feedback.as_ref())
    else {
        return state
            .dmabuf
            .modifiers()
            .iter()
            .map(|f| (f.format, f.modifier, 0))
            .collect();
    };
    let table = feedback.format_table();
    let mut tranches: Vec<_> = feedback.tranches().iter().enumerate().collect();
    tranches.sort_by_key(|(rank, tranche)| {
        let scanout =
            matches!(tranche.flags, WEnum::Value(flags) if flags.contains(TrancheFlags::Scanout));
        (!scanout, *rank)
    });
    let mut offered = Vec::new();
    for (rank, (_, tranche)) in tranches.into_iter().enumerate() {
        for &i in &tranche.formats {
            // The table comes from the compositor: an index past its end is skipped.
            if let Some(entry) = table.get(usize::from(i)) {
                offered.push((entry.format, entry.modifier, rank));
            }
        }
    }
    offered
}

/// The candidate the compositor takes with a LINEAR (or implicit) layout in its most
/// preferred tranche, earlier candidates first; LINEAR over implicit for the same format.
fn choose_format(
    offered: &[(u32, u64, usize)],
    candidates: &[PixelFormat],
) -> Result<(PixelFormat, u64), WaylandError> {
    let usable = |modifier: u64| modifier == MODIFIER_LINEAR || modifier == MODIFIER_INVALID;
    let best = candidates
        .iter()
        .enumerate()
        .flat_map(|(order, candidate)| {
            offered
                .iter()
                .filter(move |&&(format, modifier, _)| {
                    format == candidate.drm as u32 && usable(modifier)
                })
                .map(move |&(_, modifier, rank)| {
                    (
                        (rank, order, modifier != MODIFIER_LINEAR),
                        *candidate,
                        modifier,
                    )
                })
        })
        .min_by_key(|&(key, _, _)| key);
    if let Some((_, format, modifier)) = best {
        return Ok((format, modifier));
    }
    let mut names: Vec<String> = offered
        .iter()
        .filter(|&&(_, modifier, _)| usable(modifier))
        .map(|&(format, _, _)| fourcc_name(format))
        .collect();
    names.sort();
    names.dedup();
    Err(WaylandError::NoFormat {
        wanted: candidates
            .iter()
            .map(PixelFormat::name)
            .collect::<Vec<_>>()
            .join(" "),
        available: names.join(" "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{parse_fourcc, PixelFormat};

    fn pixel(name: &str) -> PixelFormat {
        PixelFormat::from_v4l2(parse_fourcc(name).unwrap()).unwrap()
    }

    fn drm(name: &str) -> u32 {
        pixel(name).drm as u32
    }

    #[test]
    fn the_earliest_tranche_wins_over_camera_order() {
        let offered = [
            (drm("YUYV"), MODIFIER_LINEAR, 1),
            (drm("NV12"), MODIFIER_LINEAR, 0),
        ];
        let (chosen, _) = choose_format(&offered, &[pixel("YUYV"), pixel("NV12")]).unwrap();
        assert_eq!(chosen.name(), "NV12");
    }

    #[test]
    fn within_a_tranche_the_camera_order_wins() {
        let offered = [
            (drm("NV12"), MODIFIER_LINEAR, 0),
            (drm("YUYV"), MODIFIER_LINEAR, 0),
        ];
        let (chosen, _) = choose_format(&offered, &[pixel("YUYV"), pixel("NV12")]).unwrap();
        assert_eq!(chosen.name(), "YUYV");
    }

    #[test]
    fn linear_is_preferred_to_implicit_and_tiled_is_never_used() {
        let tiled = 0x0100_0000_0000_0001;
        let offered = [
            (drm("YUYV"), MODIFIER_INVALID, 0),
            (drm("YUYV"), MODIFIER_LINEAR, 0),
            (drm("NV12"), tiled, 0),
        ];
        assert_eq!(
            choose_format(&offered, &[pixel("YUYV")]).unwrap().1,
            MODIFIER_LINEAR
        );
        let err = choose_format(&offered, &[pixel("NV12")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot import NV12"), "{err}");
        assert!(err.contains("YUYV") && !err.contains("NV12 ("), "{err}");
    }
}
