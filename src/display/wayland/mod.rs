//! The desktop display: buffers handed to the Wayland compositor.
//!
//! Each buffer becomes one wl_buffer, created once: a zwp_linux_dmabuf import, or wl_shm
//! memory the CPU writes. A frame is one attach + commit, paced by frame callbacks;
//! wl_buffer.release says the compositor no longer reads it, and wp_presentation whether
//! and when it reached the glass.

mod buffers;
mod error;
mod formats;
mod main_device;
mod overlay;
mod pointer;
mod presentation;
mod representation;
mod scale;
mod shm;
mod state;
mod window;

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::rc::Rc;
use std::time::{Duration, Instant};

use gbm::BufferObjectFlags;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use smithay_client_toolkit::compositor::{CompositorState, FrameCallbackData};
use smithay_client_toolkit::dmabuf::DmabufState;
use smithay_client_toolkit::shell::xdg::XdgShell;
use wayland_client::backend::ReadEventsGuard;
use wayland_client::globals::{registry_queue_init, GlobalList};
use wayland_client::protocol::wl_shm;
use wayland_client::{Connection, EventQueue, Proxy, QueueHandle};
use wayland_protocols::wp::linux_dmabuf::zv1::client::zwp_linux_buffer_params_v1::Flags;

pub use error::WaylandError;
use overlay::Overlay;
use shm::ShmPool;
use state::{TeardownSync, WaylandState};

use super::{BufferId, DisplayEvent, Import, Memory, RenderTarget, RenderTargets};
use crate::convert::Colorimetry;
use crate::dmabuf::{Allocator, FrameMemory, Frames, GbmDevice, MemoryKind};
use crate::format::{Chroma, PixelFormat, MODIFIER_LINEAR};
use crate::view::View;

/// Roundtrips to wait for the first configure (each one answers everything sent before it).
const CONFIGURE_ROUNDTRIPS: usize = 5;
/// How long teardown waits for the compositor to take in the destroyed buffers. A compositor
/// busy elsewhere must not hold up the exit (weston on llvmpipe under TCG once took 17 s to
/// answer); the dmabufs keep their memory until it lets go of them.
const TEARDOWN_WAIT: Duration = Duration::from_secs(1);

pub struct WaylandDisplay {
    connection: Connection,
    queue: EventQueue<WaylandState>,
    qh: QueueHandle<WaylandState>,
    globals: GlobalList,
    state: WaylandState,
    display: String,
    /// The modifier of every dmabuf import: LINEAR, or implicit where that is all it takes.
    modifier: u64,
    placement: window::Placement,
    shm: Option<wl_shm::WlShm>,
    /// Memory of the CPU-written buffers.
    shm_pool: Option<ShmPool>,
    /// Memory of the render targets, kept while the compositor may read it.
    target_fds: Vec<std::os::fd::OwnedFd>,
    /// GBM on the compositor's main device, opened when first asked for.
    gbm: Option<Rc<GbmDevice>>,
    overlay: Option<Overlay>,
    /// restore() has run: dropping the display after it has nothing left to do.
    restored: bool,
}

fn lost(_: impl std::fmt::Debug) -> WaylandError {
    WaylandError::Disconnected
}

impl WaylandDisplay {
    /// Connects, binds the globals, maps a window and picks the first of `candidates` the
    /// compositor imports as a LINEAR dmabuf (preferring its scanout tranche). With CPU
    /// memory the frames go in wl_shm buffers, and the first candidate is taken as it is.
    pub fn open(
        candidates: &[PixelFormat],
        fullscreen: bool,
        memory: Memory,
    ) -> Result<(WaylandDisplay, PixelFormat), WaylandError> {
        let display = std::env::var("WAYLAND_DISPLAY").unwrap_or_default();
        let connection = Connection::connect_to_env().map_err(|_| WaylandError::Connect {
            display: display.clone(),
        })?;
        let (globals, mut queue) =
            registry_queue_init::<WaylandState>(&connection).map_err(lost)?;
        let qh = queue.handle();
        let (mut state, shm) = bind(&globals, &qh, memory)?;
        let placement = window::create(&mut state, &globals, &qh, fullscreen);
        request_feedback(&mut state, &qh)?;
        queue.roundtrip(&mut state).map_err(lost)?;
        queue.roundtrip(&mut state).map_err(lost)?;
        let (format, modifier) = match (memory, candidates.first()) {
            (Memory::Cpu, Some(&first)) => (first, MODIFIER_LINEAR),
            _ => formats::choose_format(&formats::offered_formats(&state), candidates)?,
        };
        state.window.scale.guess_from(&state.outputs);
        wait_for_configure(&mut queue, &mut state)?;
        let display = WaylandDisplay {
            connection,
            queue,
            qh,
            globals,
            state,
            display,
            modifier,
            placement,
            shm,
            shm_pool: None,
            target_fds: Vec::new(),
            gbm: None,
            overlay: None,
            restored: false,
        };
        Ok((display, format))
    }

    pub fn describe(&self) -> String {
        let (w, h) = self.state.window.configured.unwrap_or_default();
        let dmabuf = match self.state.dmabuf.version() {
            Some(version) => format!("linux-dmabuf v{version}"),
            None => "no linux-dmabuf".to_string(),
        };
        let fullscreen = if self.state.window.fullscreen {
            ", fullscreen"
        } else {
            ""
        };
        format!(
            "Wayland {} ({dmabuf}, window {w}x{h}{fullscreen})",
            self.display
        )
    }

    pub fn name(&self) -> String {
        self.display.clone()
    }

    /// The compositor may hold the buffer on screen, the one just committed, and one more
    /// it has not released yet.
    pub fn buffers_held(&self) -> usize {
        3
    }

    pub fn presentation(&self) -> crate::stats::Presentation {
        self.state.frames.counts
    }

    /// Where presentation times come from and how they reach CLOCK_MONOTONIC.
    pub fn presentation_clock(&self) -> String {
        self.state.presentation.clock_description()
    }

    pub fn set_title(&self, title: &str) {
        if let Some(window) = &self.state.window.window {
            window.set_title(title);
        }
    }

    /// One wl_buffer per dmabuf, created once and kept for the whole run.
    pub fn import(&mut self, buffers: &[Import<'_>]) -> Result<Vec<BufferId>, WaylandError> {
        let mut ids = Vec::with_capacity(buffers.len());
        for buffer in buffers {
            let id = match buffer.kind {
                MemoryKind::Dmabuf => self.request_buffer(buffer)?,
                MemoryKind::Shm => self.shm_buffer(buffer)?,
            };
            let ycbcr = buffer.format.chroma() != Chroma::None;
            self.state.representation.mark(id, ycbcr);
            ids.push(id);
        }
        while self.state.buffers.is_waiting() {
            self.queue.roundtrip(&mut self.state).map_err(lost)?;
        }
        match self.state.buffers.first_refused() {
            Some(id) => {
                let (format, (width, height)) = ids
                    .iter()
                    .position(|&i| i == id)
                    .map_or((String::new(), (0, 0)), |n| {
                        (buffers[n].format.name(), buffers[n].size)
                    });
                Err(WaylandError::BufferRefused {
                    index: id.0,
                    format,
                    width,
                    height,
                })
            }
            None => Ok(ids),
        }
    }

    /// Asks for a wl_buffer over the dmabuf's planes; it arrives as `created`.
    fn request_buffer(&mut self, buffer: &Import<'_>) -> Result<BufferId, WaylandError> {
        let params =
            self.state.dmabuf.create_params(&self.qh).map_err(|_| {
                WaylandError::MissingGlobal("zwp_linux_dmabuf_v1 (version 3 or later)")
            })?;
        for (index, plane) in buffer.planes.iter().enumerate() {
            params.add(
                plane.fd,
                index as u32,
                plane.offset,
                plane.pitch,
                buffer.modifier.unwrap_or(self.modifier),
            );
        }
        let (width, height) = buffer.size;
        let drm_format = buffer.format.drm as u32;
        let proxy = params.create(width as i32, height as i32, drm_format, Flags::empty());
        let id = self.state.buffers.reserve();
        self.state.buffers.requested(proxy.id(), id);
        Ok(id)
    }

    /// A wl_shm buffer over shared memory glasscam wrote.
    fn shm_buffer(&mut self, buffer: &Import<'_>) -> Result<BufferId, WaylandError> {
        let shm = self
            .shm
            .as_ref()
            .ok_or(WaylandError::MissingGlobal("wl_shm"))?;
        let plane = buffer
            .planes
            .first()
            .ok_or(WaylandError::UnknownBuffer(0))?;
        let id = self.state.buffers.reserve();
        let wl_buffer = shm::import(shm, plane.fd, buffer.size, plane.pitch, id, &self.qh);
        self.state.buffers.insert(id, wl_buffer);
        Ok(id)
    }

    /// Memory for frames glasscam writes: GBM on the compositor's main device where it maps,
    /// else udmabuf where the user may open it, else wl_shm, else the dma-heap; each tier
    /// refused is said in one line.
    pub fn frame_memory(&mut self, size: (u32, u32), count: usize) -> Result<Frames, WaylandError> {
        let tiers = [
            Allocator::Gbm,
            Allocator::Udmabuf,
            Allocator::Shm,
            Allocator::DmaHeap,
        ];
        let (allocator, buffers) = self.first_tier(&tiers, Use::Write, size, count)?;
        let kind = match allocator {
            Allocator::Shm => MemoryKind::Shm,
            _ => MemoryKind::Dmabuf,
        };
        Ok(Frames {
            allocator,
            kind,
            buffers,
        })
    }

    /// `count` buffers of `size` from the first of `tiers` that gives them, with a line for
    /// each that refused. Tiers that cannot apply are passed over silently: GBM without a
    /// main device, dmabufs for a compositor that takes none.
    fn first_tier(
        &mut self,
        tiers: &[Allocator],
        use_: Use,
        size: (u32, u32),
        count: usize,
    ) -> Result<(Allocator, Vec<FrameMemory>), WaylandError> {
        let mut refused: Option<(Allocator, WaylandError)> = None;
        for &allocator in tiers {
            let no_dmabufs = allocator != Allocator::Shm && self.state.dmabuf.version().is_none();
            if no_dmabufs || (allocator == Allocator::Gbm && self.main_device().is_none()) {
                continue;
            }
            if let Some((previous, why)) = refused.take() {
                say!(
                    "glasscam: {} gave no {} ({why}); trying {}",
                    previous.name(),
                    use_.buffers(),
                    allocator.name()
                );
            }
            match self.buffers_from(allocator, use_, size, count) {
                Ok(buffers) => return Ok((allocator, buffers)),
                Err(why) => refused = Some((allocator, why)),
            }
        }
        Err(refused.map_or(WaylandError::MissingGlobal("wl_shm"), |(_, why)| why))
    }

    /// `count` XRGB8888 buffers of `size` from `allocator`.
    fn buffers_from(
        &mut self,
        allocator: Allocator,
        use_: Use,
        size: (u32, u32),
        count: usize,
    ) -> Result<Vec<FrameMemory>, WaylandError> {
        if allocator == Allocator::Gbm {
            return match use_ {
                Use::Write => self.gbm_memory(size, count, BufferObjectFlags::empty(), &[]),
                Use::Render => {
                    let modifiers = self.xrgb_modifiers();
                    self.gbm_memory(size, count, BufferObjectFlags::RENDERING, &modifiers)
                }
            };
        }
        let (pitch, len) = (size.0 * 4, size.0 * 4 * size.1);
        (0..count)
            .map(|_| {
                let fd = self.frame_fd(allocator, len as usize)?;
                Ok(FrameMemory {
                    fd,
                    pitch,
                    len,
                    modifier: MODIFIER_LINEAR,
                })
            })
            .collect()
    }

    fn frame_fd(&self, allocator: Allocator, len: usize) -> Result<OwnedFd, WaylandError> {
        match allocator {
            Allocator::Udmabuf => {
                crate::dmabuf::udmabuf::allocate(len).map_err(WaylandError::Udmabuf)
            }
            Allocator::Shm if self.shm.is_some() => shm::memfd(len),
            Allocator::Shm => Err(WaylandError::MissingGlobal("wl_shm")),
            _ => crate::dmabuf::heap::allocate(len).map_err(WaylandError::DmaHeap),
        }
    }

    /// XRGB8888 dmabufs imported as wl_buffers for the GPU to draw into: GBM's on the
    /// compositor's main device, else udmabuf's, else the system dma-heap's.
    pub fn render_targets(
        &mut self,
        size: (u32, u32),
        count: usize,
    ) -> Result<RenderTargets, WaylandError> {
        let tiers = [Allocator::Gbm, Allocator::Udmabuf, Allocator::DmaHeap];
        let (allocator, memory) = self.first_tier(&tiers, Use::Render, size, count)?;
        let xrgb = PixelFormat::xrgb8888();
        let dmabufs: Vec<Import<'_>> = memory
            .iter()
            .map(|m| Import {
                planes: vec![super::ImportPlane {
                    fd: m.fd.as_fd(),
                    offset: 0,
                    pitch: m.pitch,
                }],
                format: xrgb,
                size,
                kind: MemoryKind::Dmabuf,
                modifier: Some(m.modifier),
            })
            .collect();
        let ids = self.import(&dmabufs)?;
        drop(dmabufs);
        let mut targets = Vec::with_capacity(count);
        for (id, m) in ids.into_iter().zip(&memory) {
            let fd = m.fd.try_clone().map_err(WaylandError::DmaHeap)?;
            targets.push(RenderTarget {
                id,
                fd,
                pitch: m.pitch,
                modifier: m.modifier,
            });
        }
        self.target_fds.extend(memory.into_iter().map(|m| m.fd));
        Ok(RenderTargets { allocator, targets })
    }

    /// XRGB8888 wl_shm buffers in one memfd.
    pub fn cpu_buffers(
        &mut self,
        size: (u32, u32),
        count: usize,
    ) -> Result<Vec<BufferId>, WaylandError> {
        let shm = self
            .shm
            .as_ref()
            .ok_or(WaylandError::MissingGlobal("wl_shm"))?;
        let ids: Vec<BufferId> = (0..count).map(|_| self.state.buffers.reserve()).collect();
        let (pool, buffers) = ShmPool::new(shm, &ids, size, &self.qh)?;
        for (&id, buffer) in ids.iter().zip(buffers) {
            self.state.buffers.insert(id, buffer);
        }
        self.shm_pool = Some(pool);
        Ok(ids)
    }

    pub fn write_pixels<T>(
        &mut self,
        id: BufferId,
        write: impl FnOnce(&mut [u8], usize) -> T,
    ) -> Result<T, WaylandError> {
        let (pixels, pitch) = self
            .shm_pool
            .as_mut()
            .and_then(|pool| pool.pixels(id))
            .ok_or(WaylandError::UnknownBuffer(id.0))?;
        Ok(write(pixels, pitch))
    }

    pub fn free(&mut self, ids: &[BufferId]) {
        for &id in ids {
            self.state.buffers.destroy(id);
        }
    }

    /// Has the compositor convert the YCbCr frames with `colorimetry` (None: the frames
    /// are RGB) where it offers that (wp_color_representation_v1); false where it converts
    /// with its own.
    pub fn set_colorimetry(&mut self, colorimetry: Option<Colorimetry>) -> bool {
        self.state.representation.want(colorimetry)
    }

    /// The compositor scales, crops and turns: any size and view is placed, in the
    /// window's aspect ratio.
    pub fn place(&mut self, size: (u32, u32), view: View) -> Result<(), WaylandError> {
        self.placement.show(size, view)
    }

    pub fn can_present(&self) -> bool {
        self.state.window.configured.is_some()
            && !self.state.frames.callback_pending
            && !self.state.window.quit
    }

    /// Commits whose presentation (or discard) has not been reported yet.
    pub fn frames_in_flight(&self) -> u64 {
        (self.state.frames.awaiting_feedback + self.state.frames.unmeasured.len()) as u64
    }

    /// Commits buffer `id`; presentation and release arrive as events.
    pub fn present(
        &mut self,
        id: BufferId,
        tag: usize,
        events: &mut Vec<DisplayEvent>,
    ) -> Result<(), WaylandError> {
        let surface = window::surface(&self.state).ok_or(WaylandError::NoWindow)?;
        self.state
            .pointer
            .hide_if_still(self.state.window.fullscreen);
        let window = &self.state.window;
        self.placement.fit(
            window.configured.unwrap_or_default(),
            window.scale.scale120,
            &surface,
        );
        let buffer = self
            .state
            .buffers
            .get(id)
            .ok_or(WaylandError::UnknownBuffer(id.0))?;
        self.state
            .representation
            .before_commit(id, &surface, &self.qh);
        surface.attach(Some(buffer), 0, 0);
        let (w, h) = self.placement.frame_size;
        surface.damage_buffer(0, 0, w as i32, h as i32);
        surface.frame(&self.qh, FrameCallbackData(surface.clone()));
        self.state.frames.callback_pending = true;
        // Without wp_presentation, the frame callback is the best "on screen" we get.
        match self.state.presentation.feedback(&surface, &self.qh, tag) {
            Some(_) => self.state.frames.awaiting_feedback += 1,
            None => self.state.frames.unmeasured.push(tag),
        }
        let time = crate::clock::monotonic_now();
        surface.commit();
        self.connection.flush().map_err(lost)?;
        events.push(DisplayEvent::Committed { tag, time });
        Ok(())
    }

    /// Reads and handles whatever the compositor sent.
    pub fn dispatch(&mut self, events: &mut Vec<DisplayEvent>) -> Result<(), WaylandError> {
        self.queue.dispatch_pending(&mut self.state).map_err(lost)?;
        if let Some(guard) = self.queue.prepare_read() {
            read_socket(guard)?;
        }
        self.queue.dispatch_pending(&mut self.state).map_err(lost)?;
        window::toggle_fullscreen(&mut self.state);
        events.append(&mut self.state.events);
        if self.state.window.quit {
            events.push(DisplayEvent::CloseRequested);
        }
        self.connection.flush().map_err(lost)?;
        Ok(())
    }

    /// Adds the overlay square, black until the first flip.
    pub fn enable_overlay(&mut self) -> Result<(), WaylandError> {
        let parent = window::surface(&self.state).ok_or(WaylandError::NoWindow)?;
        let overlay = Overlay::new(&self.globals, &self.state, &parent, &self.qh)?;
        self.overlay = Some(overlay);
        Ok(())
    }

    /// Turns the overlay white or black; its presentation arrives as OverlayPresented.
    pub fn show_overlay(&mut self, white: bool) -> Result<(), WaylandError> {
        let height = self.placement.picture_height();
        let Some(overlay) = &mut self.overlay else {
            return Ok(());
        };
        // Placed relative to the picture; the parent's next commit applies a move.
        overlay.place(height as i32);
        let surface = overlay.show(white);
        if !self
            .state
            .presentation
            .overlay_feedback(surface, &self.qh, white)
        {
            return Err(WaylandError::MissingGlobal(
                "wp_presentation (bench --g2g times the marker by it)",
            ));
        }
        surface.commit();
        self.connection.flush().map_err(lost)
    }

    /// Lets go of every buffer and the window, and waits (briefly) until the compositor has
    /// too.
    pub fn restore(&mut self) {
        if std::mem::replace(&mut self.restored, true) {
            return;
        }
        self.state.buffers.destroy_all();
        self.shm_pool = None;
        self.target_fds.clear();
        if let Some(overlay) = self.overlay.take() {
            overlay.destroy();
        }
        self.placement.destroy();
        self.state.representation.unset();
        self.state.window.scale.destroy();
        self.state.window.window = None;
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

/// The protocol state with the globals glasscam needs bound; wl_shm too for CPU memory.
fn bind(
    globals: &GlobalList,
    qh: &QueueHandle<WaylandState>,
    memory: Memory,
) -> Result<(WaylandState, Option<wl_shm::WlShm>), WaylandError> {
    let compositor = CompositorState::bind(globals, qh)
        .map_err(|_| WaylandError::MissingGlobal("wl_compositor"))?;
    let xdg =
        XdgShell::bind(globals, qh).map_err(|_| WaylandError::MissingGlobal("xdg_wm_base"))?;
    let dmabuf = DmabufState::new(globals, qh);
    // wl_shm for CPU memory, and for decoded frames when no dmabuf can be made for them.
    let shm = globals.bind::<wl_shm::WlShm, _, _>(qh, 1..=1, ()).ok();
    match memory {
        Memory::Cpu if shm.is_none() => return Err(WaylandError::MissingGlobal("wl_shm")),
        Memory::Dmabuf if dmabuf.version().is_none() => return Err(WaylandError::NoDmabuf),
        _ => {}
    }
    let mut state = WaylandState::new(globals, qh, compositor, xdg, dmabuf);
    state.pointer.shm = shm.clone();
    Ok((state, shm))
}

/// What buffers are for, which decides how GBM makes them.
#[derive(Debug, Clone, Copy)]
enum Use {
    /// Frames the CPU writes (decoded MJPEG).
    Write,
    /// The gpu rung's render targets.
    Render,
}

impl Use {
    fn buffers(self) -> &'static str {
        match self {
            Use::Write => "frame buffers",
            Use::Render => "render targets",
        }
    }
}

/// linux-dmabuf v4+: the default feedback and the window surface's, which may name a
/// scanout tranche.
fn request_feedback(
    state: &mut WaylandState,
    qh: &QueueHandle<WaylandState>,
) -> Result<(), WaylandError> {
    if state.dmabuf.version() < Some(4) {
        return Ok(());
    }
    let missing = |_| WaylandError::MissingGlobal("zwp_linux_dmabuf_v1 feedback");
    let surface = window::surface(state).ok_or(WaylandError::NoWindow)?;
    state.dmabuf.get_default_feedback(qh).map_err(missing)?;
    let surface_feedback = state
        .dmabuf
        .get_surface_feedback(&surface, qh)
        .map_err(missing)?;
    state.feedback.surface_id = Some(surface_feedback.id());
    Ok(())
}

fn wait_for_configure(
    queue: &mut EventQueue<WaylandState>,
    state: &mut WaylandState,
) -> Result<(), WaylandError> {
    for _ in 0..CONFIGURE_ROUNDTRIPS {
        if state.window.configured.is_some() {
            return Ok(());
        }
        queue.roundtrip(state).map_err(lost)?;
    }
    if state.window.configured.is_none() {
        return Err(WaylandError::NoConfigure(CONFIGURE_ROUNDTRIPS as u64));
    }
    Ok(())
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

impl AsFd for WaylandDisplay {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.connection.as_fd()
    }
}

impl Drop for WaylandDisplay {
    fn drop(&mut self) {
        self.restore();
    }
}
