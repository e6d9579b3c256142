//! The Wayland client state: what the compositor tells us, turned into sink events.

use std::collections::HashMap;

use smithay_client_toolkit::compositor::{CompositorHandler, CompositorState};
use smithay_client_toolkit::dmabuf::{DmabufFeedback, DmabufHandler, DmabufState};
use smithay_client_toolkit::output::{OutputHandler, OutputState};
use smithay_client_toolkit::registry::{ProvidesRegistryState, RegistryState};
use smithay_client_toolkit::seat::keyboard::{
    KeyEvent, KeyboardHandler, Keysym, Modifiers, RawModifiers,
};
use smithay_client_toolkit::seat::{Capability, SeatHandler, SeatState};
use smithay_client_toolkit::shell::xdg::window::{Window, WindowConfigure, WindowHandler};
use smithay_client_toolkit::shell::xdg::XdgShell;
use smithay_client_toolkit::shm::{Shm, ShmHandler};
use smithay_client_toolkit::{delegate_registry, registry_handlers};
use wayland_client::backend::ObjectId;
use wayland_client::protocol::{
    wl_buffer, wl_callback, wl_keyboard, wl_output, wl_seat, wl_surface,
};
use wayland_client::{Connection, Dispatch, Proxy, QueueHandle};
use wayland_protocols::wp::linux_dmabuf::zv1::client::{
    zwp_linux_buffer_params_v1, zwp_linux_dmabuf_feedback_v1,
};
use wayland_protocols::wp::viewporter::client::{wp_viewport, wp_viewporter};

use super::presentation::PresentationState;
use crate::sink::SinkEvent;

/// Whose dmabuf a wl_buffer wraps: a camera buffer (direct) or a GPU target (gpu rung).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Camera(usize),
    Target(usize),
}

/// What wp_presentation said about the frames glasscam committed.
#[derive(Debug, Default, Clone, Copy)]
pub struct PresentationCounts {
    pub presented: u64,
    pub discarded: u64,
    /// Presented frames the compositor flagged ZERO_COPY (scanned out without a copy).
    pub zero_copy: u64,
}

pub struct WaylandState {
    pub registry: RegistryState,
    pub seats: SeatState,
    pub outputs: OutputState,
    pub compositor: CompositorState,
    pub xdg: XdgShell,
    pub dmabuf: DmabufState,
    pub presentation: PresentationState,
    pub viewporter: Option<wp_viewporter::WpViewporter>,
    /// Bound only for the copy rung.
    pub shm: Option<Shm>,
    pub window: Option<Window>,
    pub keyboard: Option<wl_keyboard::WlKeyboard>,
    /// The size the compositor asked for (0 = ours to choose), once configured.
    pub configured: Option<(u32, u32)>,
    pub fullscreen: bool,
    pub default_feedback: Option<DmabufFeedback>,
    /// The feedback for our window's surface (v4+), which may prefer a scanout tranche.
    pub surface_feedback: Option<DmabufFeedback>,
    pub surface_feedback_id: Option<ObjectId>,
    /// wl_buffer per V4L2 buffer index, once created.
    pub buffers: Vec<Option<wl_buffer::WlBuffer>>,
    /// Buffer params still waiting for created/failed, by params object.
    pub pending_params: HashMap<ObjectId, Role>,
    pub refused: Vec<Role>,
    buffer_index: HashMap<ObjectId, Role>,
    /// GPU rung: the wl_buffers of the buffers glasscam draws into, and which the
    /// compositor still holds.
    pub targets: Vec<Option<wl_buffer::WlBuffer>>,
    pub target_busy: Vec<bool>,
    /// Commits whose wp_presentation feedback has not arrived yet.
    pub awaiting_feedback: usize,
    pub frame_pending: bool,
    /// Frames committed without a presentation feedback: counted shown at their frame callback.
    pub unmeasured: Vec<usize>,
    pub events: Vec<SinkEvent>,
    pub counts: PresentationCounts,
    /// The user asked to quit (Q, Escape, or closing the window).
    pub quit: bool,
    /// F was pressed: the sink flips fullscreen on its next turn.
    pub toggle_fullscreen: bool,
    /// The compositor answered the teardown's wl_display.sync.
    pub synced: bool,
}

/// The user data of the teardown's wl_display.sync callback.
pub struct TeardownSync;

impl WaylandState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        registry: RegistryState,
        seats: SeatState,
        outputs: OutputState,
        compositor: CompositorState,
        xdg: XdgShell,
        dmabuf: DmabufState,
        presentation: PresentationState,
        viewporter: Option<wp_viewporter::WpViewporter>,
    ) -> WaylandState {
        WaylandState {
            registry,
            seats,
            outputs,
            compositor,
            xdg,
            dmabuf,
            presentation,
            viewporter,
            shm: None,
            window: None,
            keyboard: None,
            configured: None,
            fullscreen: false,
            default_feedback: None,
            surface_feedback: None,
            surface_feedback_id: None,
            buffers: Vec::new(),
            pending_params: HashMap::new(),
            refused: Vec::new(),
            buffer_index: HashMap::new(),
            targets: Vec::new(),
            target_busy: Vec::new(),
            awaiting_feedback: 0,
            frame_pending: false,
            unmeasured: Vec::new(),
            events: Vec::new(),
            counts: PresentationCounts::default(),
            quit: false,
            toggle_fullscreen: false,
            synced: false,
        }
    }

    /// Camera buffer `index`'s commit is on screen since `time` (CLOCK_MONOTONIC, when known).
    pub fn on_presented(
        &mut self,
        index: usize,
        time: Option<std::time::Duration>,
        zero_copy: bool,
    ) {
        self.awaiting_feedback = self.awaiting_feedback.saturating_sub(1);
        self.counts.presented += 1;
        self.counts.zero_copy += u64::from(zero_copy);
        self.events.push(SinkEvent::Presented { index, time });
    }

    /// The compositor dropped camera buffer `index`'s commit without showing it.
    pub fn on_discarded(&mut self, index: usize) {
        self.awaiting_feedback = self.awaiting_feedback.saturating_sub(1);
        self.counts.discarded += 1;
        self.events.push(SinkEvent::Discarded(index));
    }
}

impl CompositorHandler for WaylandState {
    fn scale_factor_changed(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_surface::WlSurface,
        _: i32,
    ) {
    }
    fn transform_changed(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_surface::WlSurface,
        _: wl_output::Transform,
    ) {
    }
    fn frame(&mut self, _: &Connection, _: &QueueHandle<Self>, _: &wl_surface::WlSurface, _: u32) {
        self.frame_pending = false;
        for index in self.unmeasured.drain(..) {
            self.events.push(SinkEvent::Presented { index, time: None });
        }
    }
    fn surface_enter(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_surface::WlSurface,
        _: &wl_output::WlOutput,
    ) {
    }
    fn surface_leave(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_surface::WlSurface,
        _: &wl_output::WlOutput,
    ) {
    }
}

impl OutputHandler for WaylandState {
    fn output_state(&mut self) -> &mut OutputState {
        &mut self.outputs
    }
    fn new_output(&mut self, _: &Connection, _: &QueueHandle<Self>, _: wl_output::WlOutput) {}
    fn update_output(&mut self, _: &Connection, _: &QueueHandle<Self>, _: wl_output::WlOutput) {}
    fn output_destroyed(&mut self, _: &Connection, _: &QueueHandle<Self>, _: wl_output::WlOutput) {}
}

impl WindowHandler for WaylandState {
    fn request_close(&mut self, _: &Connection, _: &QueueHandle<Self>, _: &Window) {
        self.quit = true;
    }

    fn configure(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &Window,
        configure: WindowConfigure,
        _: u32,
    ) {
        let (w, h) = configure.new_size;
        self.configured = Some((w.map_or(0, |v| v.get()), h.map_or(0, |v| v.get())));
        self.fullscreen = configure.is_fullscreen();
    }
}

impl SeatHandler for WaylandState {
    fn seat_state(&mut self) -> &mut SeatState {
        &mut self.seats
    }
    fn new_seat(&mut self, _: &Connection, _: &QueueHandle<Self>, _: wl_seat::WlSeat) {}
    fn new_capability(
        &mut self,
        _: &Connection,
        qh: &QueueHandle<Self>,
        seat: wl_seat::WlSeat,
        capability: Capability,
    ) {
        if capability == Capability::Keyboard && self.keyboard.is_none() {
            match self.seats.get_keyboard(qh, &seat, None) {
                Ok(keyboard) => self.keyboard = Some(keyboard),
                Err(e) => tracing::warn!("no keyboard: {e}"),
            }
        }
    }
    fn remove_capability(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: wl_seat::WlSeat,
        capability: Capability,
    ) {
        if capability == Capability::Keyboard {
            if let Some(keyboard) = self.keyboard.take() {
                keyboard.release();
            }
        }
    }
    fn remove_seat(&mut self, _: &Connection, _: &QueueHandle<Self>, _: wl_seat::WlSeat) {}
}

impl KeyboardHandler for WaylandState {
    fn enter(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_keyboard::WlKeyboard,
        _: &wl_surface::WlSurface,
        _: u32,
        _: &[u32],
        _: &[Keysym],
    ) {
    }
    fn leave(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_keyboard::WlKeyboard,
        _: &wl_surface::WlSurface,
        _: u32,
    ) {
    }
    fn press_key(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_keyboard::WlKeyboard,
        _: u32,
        event: KeyEvent,
    ) {
        match event.keysym {
            Keysym::q | Keysym::Q | Keysym::Escape => self.quit = true,
            Keysym::f | Keysym::F => self.toggle_fullscreen = true,
            _ => {}
        }
    }
    fn repeat_key(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_keyboard::WlKeyboard,
        _: u32,
        _: KeyEvent,
    ) {
    }
    fn release_key(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_keyboard::WlKeyboard,
        _: u32,
        _: KeyEvent,
    ) {
    }
    fn update_modifiers(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_keyboard::WlKeyboard,
        _: u32,
        _: Modifiers,
        _: RawModifiers,
        _: u32,
    ) {
    }
}

impl DmabufHandler for WaylandState {
    fn dmabuf_state(&mut self) -> &mut DmabufState {
        &mut self.dmabuf
    }

    fn dmabuf_feedback(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        proxy: &zwp_linux_dmabuf_feedback_v1::ZwpLinuxDmabufFeedbackV1,
        feedback: DmabufFeedback,
    ) {
        if Some(proxy.id()) == self.surface_feedback_id {
            self.surface_feedback = Some(feedback);
        } else {
            self.default_feedback = Some(feedback);
        }
    }

    fn created(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        params: &zwp_linux_buffer_params_v1::ZwpLinuxBufferParamsV1,
        buffer: wl_buffer::WlBuffer,
    ) {
        if let Some(role) = self.pending_params.remove(&params.id()) {
            self.buffer_index.insert(buffer.id(), role);
            let slot = match role {
                Role::Camera(index) => self.buffers.get_mut(index),
                Role::Target(index) => self.targets.get_mut(index),
            };
            if let Some(slot) = slot {
                *slot = Some(buffer);
            }
        }
    }

    fn failed(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        params: &zwp_linux_buffer_params_v1::ZwpLinuxBufferParamsV1,
    ) {
        if let Some(role) = self.pending_params.remove(&params.id()) {
            self.refused.push(role);
        }
    }

    fn released(&mut self, _: &Connection, _: &QueueHandle<Self>, buffer: &wl_buffer::WlBuffer) {
        match self.buffer_index.get(&buffer.id()) {
            Some(&Role::Camera(index)) => self.events.push(SinkEvent::Released(index)),
            Some(&Role::Target(index)) => {
                if let Some(busy) = self.target_busy.get_mut(index) {
                    *busy = false;
                }
            }
            None => {}
        }
    }
}

impl ShmHandler for WaylandState {
    fn shm_state(&mut self) -> &mut Shm {
        self.shm
            .as_mut()
            .expect("wl_shm events only come once it is bound")
    }
}

impl ProvidesRegistryState for WaylandState {
    fn registry(&mut self) -> &mut RegistryState {
        &mut self.registry
    }
    registry_handlers![OutputState, SeatState];
}

delegate_registry!(WaylandState);

impl Dispatch<wl_callback::WlCallback, TeardownSync> for WaylandState {
    fn event(
        state: &mut Self,
        _: &wl_callback::WlCallback,
        event: wl_callback::Event,
        _: &TeardownSync,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wl_callback::Event::Done { .. } = event {
            state.synced = true;
        }
    }
}
wayland_client::delegate_noop!(WaylandState: ignore wp_viewporter::WpViewporter);
wayland_client::delegate_noop!(WaylandState: ignore wp_viewport::WpViewport);
smithay_client_toolkit::delegate_dispatch2!(WaylandState);
