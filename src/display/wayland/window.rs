//! The window frames are shown in: an xdg toplevel whose viewport keeps the picture's aspect
//! ratio inside whatever size the compositor gives it.

use smithay_client_toolkit::shell::xdg::window::WindowDecorations;
use smithay_client_toolkit::shell::WaylandSurface;
use wayland_client::globals::GlobalList;
use wayland_client::protocol::wl_output;
use wayland_client::protocol::wl_surface::WlSurface;
use wayland_client::QueueHandle;
use wayland_protocols::wp::viewporter::client::{wp_viewport, wp_viewporter};

use super::error::WaylandError;
use super::scale::{self, ScaleState};
use super::state::WaylandState;
use crate::view::{Transform, View};

pub struct Placement {
    viewport: Option<wp_viewport::WpViewport>,
    /// The size of the buffers shown.
    pub frame_size: (u32, u32),
    /// What of them is shown, and which way up: the compositor crops, scales and turns.
    pub view: View,
    /// The window size and scale the viewport was last set for.
    placed_for: Option<((u32, u32), u32)>,
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
    state.window.scale = ScaleState::follow(globals, qh, window.wl_surface());
    state.window.window = Some(window);
    Placement {
        viewport,
        frame_size: (0, 0),
        view: View::default(),
        placed_for: None,
        picture_height: 0,
    }
}

/// The window's surface, while it is open.
pub fn surface(state: &WaylandState) -> Option<WlSurface> {
    Some(state.window.window.as_ref()?.wl_surface().clone())
}

impl Placement {
    /// Shows `view` of `size`-pixel buffers from the next commit on; without a viewport
    /// only the whole frame, upright or turned, can be shown.
    pub fn show(&mut self, size: (u32, u32), view: View) -> Result<(), WaylandError> {
        if self.viewport.is_none() && view.needs_scaler() {
            return Err(WaylandError::NoViewport(view.describe()));
        }
        self.frame_size = size;
        self.view = view;
        self.placed_for = None;
        Ok(())
    }

    /// Keeps the picture's aspect ratio inside the window: the compositor crops, scales
    /// and turns (set_buffer_transform names what was done to the buffer, so it is given
    /// the inverse of the view's turn). A window whose size is ours to choose shows the
    /// picture's pixels one to one on an output at `scale120`.
    pub fn fit(&mut self, window: (u32, u32), scale120: u32, surface: &WlSurface) {
        if self.placed_for == Some((window, scale120)) {
            return;
        }
        self.placed_for = Some((window, scale120));
        let transform = self.view.transform;
        surface.set_buffer_transform(wl_transform(transform.inverse()));
        let Some(viewport) = &self.viewport else {
            return;
        };
        let known = window.0 > 0 && window.1 > 0;
        let (source, fitted) = self.view.fitted(self.frame_size, known.then_some(window));
        let (w, h) = if known {
            fitted
        } else {
            scale::logical(fitted, scale120)
        };
        // The source rectangle is in surface coordinates: after the buffer transform.
        let r = transform.map_rect(source, self.frame_size);
        let [x, y, sw, sh] = [r.x, r.y, r.width, r.height].map(f64::from);
        viewport.set_source(x, y, sw, sh);
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

/// The protocol's name for a transform: the same eight, counted the same way.
fn wl_transform(transform: Transform) -> wl_output::Transform {
    match transform {
        Transform::Normal => wl_output::Transform::Normal,
        Transform::Rotate90 => wl_output::Transform::_90,
        Transform::Rotate180 => wl_output::Transform::_180,
        Transform::Rotate270 => wl_output::Transform::_270,
        Transform::Flipped => wl_output::Transform::Flipped,
        Transform::Flipped90 => wl_output::Transform::Flipped90,
        Transform::Flipped180 => wl_output::Transform::Flipped180,
        Transform::Flipped270 => wl_output::Transform::Flipped270,
    }
}

wayland_client::delegate_noop!(WaylandState: ignore wp_viewporter::WpViewporter);
wayland_client::delegate_noop!(WaylandState: ignore wp_viewport::WpViewport);
