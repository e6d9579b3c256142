//! The Wayland client state: what the compositor tells us, turned into display events.

use std::time::Duration;

use smithay_client_toolkit::compositor::{CompositorHandler, CompositorState};
use smithay_client_toolkit::dmabuf::{DmabufFeedback, DmabufHandler, DmabufState};
use smithay_client_toolkit::output::{OutputHandler, OutputState};
use smithay_client_toolkit::registry::{ProvidesRegistryState, RegistryState};
use smithay_client_toolkit::seat::keyboard::{
    KeyEvent, KeyboardHandler, Keysym, Modifiers, RawModifiers,
};
use smithay_client_toolkit::seat::pointer::{PointerEvent, PointerHandler, ThemeSpec};
use smithay_client_toolkit::seat::{Capability, SeatHandler, SeatState};
use smithay_client_toolkit::shell::xdg::window::{Window, WindowConfigure, WindowHandler};
use smithay_client_toolkit::shell::xdg::XdgShell;
use smithay_client_toolkit::{delegate_registry, registry_handlers};
use wayland_client::backend::ObjectId;
use wayland_client::globals::GlobalList;
use wayland_client::protocol::{
    wl_buffer, wl_callback, wl_keyboard, wl_output, wl_pointer, wl_seat, wl_surface,
};
use wayland_client::{Connection, Dispatch, Proxy, QueueHandle};
use wayland_protocols::wp::color_representation::v1::client::{
    wp_color_representation_manager_v1::WpColorRepresentationManagerV1,
    wp_color_representation_surface_v1::WpColorRepresentationSurfaceV1,
};
use wayland_protocols::wp::fractional_scale::v1::client::{
    wp_fractional_scale_manager_v1::WpFractionalScaleManagerV1,
    wp_fractional_scale_v1::{self, WpFractionalScaleV1},
};
use wayland_protocols::wp::linux_dmabuf::zv1::client::{
    zwp_linux_buffer_params_v1, zwp_linux_dmabuf_feedback_v1,
};
use wayland_protocols::wp::presentation_time::client::{wp_presentation, wp_presentation_feedback};

use super::buffers::BufferTable;
use super::pointer::PointerState;
use super::presentation::{OverlayFlip, PresentationHandler, PresentationState};
use super::representation::{RepresentationHandler, RepresentationState};
use super::scale::ScaleState;
use crate::display::DisplayEvent;
use crate::keys::Key;
use crate::stats::Presentation;
use crate::view::ViewKey;

/// The window as the compositor and the user left it.
#[derive(Default)]
pub struct WindowState {
    pub window: Option<Window>,
    pub keyboard: Option<wl_keyboard::WlKeyboard>,
    /// The size the compositor asked for (0 = ours to choose), once configured.
    pub configured: Option<(u32, u32)>,
    pub fullscreen: bool,
    /// F was pressed: the display flips fullscreen on its next turn.
    pub toggle_fullscreen: bool,
    /// The user asked to quit (Q, Escape, or closing the window).
    pub quit: bool,
    /// The scale the compositor would have the window drawn at.
    pub scale: ScaleState,
}

/// linux-dmabuf feedback: which formats the compositor imports, best first.
#[derive(Default)]
pub struct Feedback {
    pub default: Option<DmabufFeedback>,
    /// The feedback for our window's surface (v4+), which may prefer a scanout tranche.
    pub surface: Option<DmabufFeedback>,
    pub surface_id: Option<ObjectId>,
}

/// Commits and what became of them.
#[derive(Default)]
pub struct Frames {
    /// A frame callback is outstanding: the next commit waits for it.
    pub callback_pending: bool,
    /// Commits whose wp_presentation feedback has not arrived yet.
    pub awaiting_feedback: usize,
    /// Commits without a presentation feedback: counted shown at their frame callback.
    pub unmeasured: Vec<usize>,
    pub counts: Presentation,
}

/// The protocol objects glasscam binds, and what the compositor told it, turned into
/// display events.
pub struct WaylandState {
    pub registry: RegistryState,
    pub seats: SeatState,
    pub outputs: OutputState,
    pub compositor: CompositorState,
    pub xdg: XdgShell,
    pub dmabuf: DmabufState,
    pub presentation: PresentationState,
    pub representation: RepresentationState,
    pub window: WindowState,
    pub pointer: PointerState,
    pub feedback: Feedback,
    pub buffers: BufferTable,
    pub frames: Frames,
    pub events: Vec<DisplayEvent>,
    /// The compositor answered the teardown's wl_display.sync.
    pub synced: bool,
}

/// The user data of the teardown's wl_display.sync callback.
pub struct TeardownSync;

impl WaylandState {
    pub fn new(
        globals: &GlobalList,
        qh: &QueueHandle<WaylandState>,
        compositor: CompositorState,
        xdg: XdgShell,
        dmabuf: DmabufState,
    ) -> WaylandState {
        WaylandState {
            registry: RegistryState::new(globals),
            seats: SeatState::new(globals, qh),
            outputs: OutputState::new(globals, qh),
            compositor,
            xdg,
            dmabuf,
            presentation: PresentationState::bind(globals, qh),
            representation: RepresentationState::bind(globals, qh),
            window: WindowState::default(),
            pointer: PointerState::default(),
            feedback: Feedback::default(),
            buffers: BufferTable::default(),
            frames: Frames::default(),
            events: Vec::new(),
            synced: false,
        }
    }
}

impl PresentationHandler for WaylandState {
    fn presentation_state(&mut self) -> &mut PresentationState {
        &mut self.presentation
    }

    fn presented(&mut self, tag: usize, time: Option<Duration>, refresh_ns: u32, zero_copy: bool) {
        self.frames.awaiting_feedback = self.frames.awaiting_feedback.saturating_sub(1);
        self.frames.counts.presented += 1;
        self.frames.counts.zero_copy += u64::from(zero_copy);
        self.events.push(DisplayEvent::Presented {
            tag,
            time,
            refresh_ns,
        });
    }

    fn discarded(&mut self, tag: usize) {
        self.frames.awaiting_feedback = self.frames.awaiting_feedback.saturating_sub(1);
        self.frames.counts.discarded += 1;
        self.events.push(DisplayEvent::Discarded(tag));
    }

    fn overlay_presented(&mut self, white: bool, time: Option<Duration>, refresh_ns: u32) {
        self.events.push(DisplayEvent::OverlayPresented {
            white,
            time,
            refresh_ns,
        });
    }
}

impl RepresentationHandler for WaylandState {
    fn representation_state(&mut self) -> &mut RepresentationState {
        &mut self.representation
    }
}

wayland_client::delegate_dispatch!(WaylandState: [WpColorRepresentationManagerV1: ()] => RepresentationState);
wayland_client::delegate_dispatch!(WaylandState: [WpColorRepresentationSurfaceV1: ()] => RepresentationState);
wayland_client::delegate_dispatch!(WaylandState: [wp_presentation::WpPresentation: ()] => PresentationState);
wayland_client::delegate_dispatch!(WaylandState: [wp_presentation_feedback::WpPresentationFeedback: usize] => PresentationState);
wayland_client::delegate_dispatch!(WaylandState: [wp_presentation_feedback::WpPresentationFeedback: OverlayFlip] => PresentationState);

impl CompositorHandler for WaylandState {
    fn scale_factor_changed(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_surface::WlSurface,
        factor: i32,
    ) {
        self.window.scale.integer_scale_changed(factor);
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
        self.frames.callback_pending = false;
        for tag in self.frames.unmeasured.drain(..) {
            self.events.push(DisplayEvent::Presented {
                tag,
                time: None,
                refresh_ns: 0,
            });
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
        self.window.quit = true;
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
        self.window.configured = Some((w.map_or(0, |v| v.get()), h.map_or(0, |v| v.get())));
        self.window.fullscreen = configure.is_fullscreen();
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
        if capability == Capability::Keyboard && self.window.keyboard.is_none() {
            match self.seats.get_keyboard(qh, &seat, None) {
                Ok(keyboard) => self.window.keyboard = Some(keyboard),
                Err(e) => tracing::warn!("no keyboard: {e}"),
            }
        }
        if let Some(shm) = self
            .pointer
            .wanted()
            .filter(|_| capability == Capability::Pointer)
        {
            let surface = self.compositor.create_surface(qh);
            let theme = ThemeSpec::default();
            match self
                .seats
                .get_pointer_with_theme::<_, ()>(qh, &seat, shm, surface, theme)
            {
                Ok(pointer) => self.pointer.seat_gave(pointer),
                Err(e) => tracing::warn!("no pointer: {e}"),
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
            if let Some(keyboard) = self.window.keyboard.take() {
                keyboard.release();
            }
        }
        if capability == Capability::Pointer {
            self.pointer.seat_lost_pointer();
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
            Keysym::q | Keysym::Q | Keysym::Escape => self.window.quit = true,
            Keysym::f | Keysym::F => self.window.toggle_fullscreen = true,
            Keysym::s | Keysym::S => self.events.push(DisplayEvent::Key(Key::Snapshot)),
            Keysym::c | Keysym::C => self.events.push(DisplayEvent::Key(Key::NextCamera)),
            Keysym::z | Keysym::Z => self.events.push(DisplayEvent::Key(Key::NextSize)),
            Keysym::m | Keysym::M => self.events.push(view_key(ViewKey::Mirror)),
            Keysym::r | Keysym::R => self.events.push(view_key(ViewKey::Turn)),
            Keysym::plus | Keysym::equal | Keysym::KP_Add => {
                self.events.push(view_key(ViewKey::ZoomIn))
            }
            Keysym::minus | Keysym::KP_Subtract => self.events.push(view_key(ViewKey::ZoomOut)),
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
        if Some(proxy.id()) == self.feedback.surface_id {
            self.feedback.surface = Some(feedback);
        } else {
            self.feedback.default = Some(feedback);
        }
    }

    fn created(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        params: &zwp_linux_buffer_params_v1::ZwpLinuxBufferParamsV1,
        buffer: wl_buffer::WlBuffer,
    ) {
        self.buffers.created(&params.id(), buffer);
    }

    fn failed(
        &mut self,
        _: &Connection,
        _: &QueueHandle<Self>,
        params: &zwp_linux_buffer_params_v1::ZwpLinuxBufferParamsV1,
    ) {
        self.buffers.failed(&params.id());
    }

    fn released(&mut self, _: &Connection, _: &QueueHandle<Self>, buffer: &wl_buffer::WlBuffer) {
        if let Some(id) = self.buffers.id_of(buffer) {
            self.events.push(DisplayEvent::Released(id));
        }
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
smithay_client_toolkit::delegate_dispatch2!(WaylandState);

impl PointerHandler for WaylandState {
    fn pointer_frame(
        &mut self,
        conn: &Connection,
        _: &QueueHandle<Self>,
        _: &wl_pointer::WlPointer,
        events: &[PointerEvent],
    ) {
        self.pointer.on_events(conn, events);
    }
}

impl Dispatch<WpFractionalScaleV1, ()> for WaylandState {
    fn event(
        state: &mut Self,
        _: &WpFractionalScaleV1,
        event: wp_fractional_scale_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wp_fractional_scale_v1::Event::PreferredScale { scale } = event {
            state.window.scale.preferred(scale);
        }
    }
}

wayland_client::delegate_noop!(WaylandState: ignore WpFractionalScaleManagerV1);

fn view_key(key: ViewKey) -> DisplayEvent {
    DisplayEvent::Key(Key::View(key))
}
