//! The window frames are shown in: an xdg toplevel whose viewport keeps the picture's aspect
//! ratio inside whatever size the compositor gives it.

use smithay_client_toolkit::shell::xdg::window::WindowDecorations;
use smithay_client_toolkit::shell::WaylandSurface;
use wayland_client::globals::GlobalList;
use wayland_client::protocol::wl_surface::WlSurface;
use wayland_client::QueueHandle;
use wayland_protocols::wp::viewporter::client::{wp_viewport, wp_viewporter};

use super::state::WaylandState;

pub struct Placement {
    viewport: Option<wp_viewport::WpViewport>,
    /// The size of the buffers shown.
    pub frame_size: (u32, u32),
    /// The window size the viewport was last set for.
    placed_for: Option<(u32, u32)>,
    /// The picture's height in the window, for the overlay's corner.
    pub picture_height: u32,
}

/// Maps the window (fullscreen if asked) and gives it a viewport where the compositor has
/// wp_viewporter.
pub fn create(
    state: &mut WaylandState,
    globals: &GlobalList,
    qh: &QueueHandle<WaylandState>,
    fullscreen: bool,
) -> Placement {
    let surface = state.compositor.create_surface(qh);
    let window = state
        .xdg
        .create_window(surface, WindowDecorations::RequestServer, qh);
    window.set_app_id("glasscam");
    window.set_title("glasscam");
    if fullscreen {
        window.set_fullscreen(None);
    }
    window.commit();
    let viewporter = globals
        .bind::<wp_viewporter::WpViewporter, _, _>(qh, 1..=1, ())
        .ok();
    if viewporter.is_none() {
        tracing::warn!("the compositor has no wp_viewporter: the window keeps the frame's size");
    }
    let viewport = viewporter.map(|v| v.get_viewport(window.wl_surface(), qh, ()));
    state.window.window = Some(window);
    Placement {
        viewport,
        frame_size: (0, 0),
        placed_for: None,
        picture_height: 0,
    }
}

/// The window's surface, while it is open.
pub fn surface(state: &WaylandState) -> Option<WlSurface> {
    Some(state.window.window.as_ref()?.wl_surface().clone())
}

impl Placement {
    /// Keeps the picture's aspect ratio inside the window: the compositor scales.
    pub fn fit(&mut self, window: (u32, u32)) {
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

    /// The picture's height in the window, once placed; else the frame's.
    pub fn picture_height(&self) -> u32 {
        if self.picture_height > 0 {
            self.picture_height
        } else {
            self.frame_size.1
        }
    }

    pub fn destroy(&mut self) {
        if let Some(viewport) = self.viewport.take() {
            viewport.destroy();
        }
    }
}

/// Acts on F: fullscreen on, or off.
pub fn toggle_fullscreen(state: &mut WaylandState) {
    if std::mem::take(&mut state.window.toggle_fullscreen) {
        if let Some(window) = &state.window.window {
            if state.window.fullscreen {
                window.unset_fullscreen();
            } else {
                window.set_fullscreen(None);
            }
        }
    }
}

wayland_client::delegate_noop!(WaylandState: ignore wp_viewporter::WpViewporter);
wayland_client::delegate_noop!(WaylandState: ignore wp_viewport::WpViewport);
