//! The overlay square: a subsurface in the window's bottom-left corner showing one of two
//! fixed wl_shm buffers, black or white (what `bench --g2g` flips). It never touches the
//! frames, and its commits get presentation feedback of their own.

use std::io::Write;

use wayland_client::globals::GlobalList;
use wayland_client::protocol::{wl_buffer, wl_shm, wl_subcompositor, wl_subsurface, wl_surface};
use wayland_client::QueueHandle;

use super::error::WaylandError;
use super::state::WaylandState;

/// The square's side in surface pixels.
pub const SIDE: i32 = crate::geometry::MARKER_SIDE as i32;

pub struct Overlay {
    surface: wl_surface::WlSurface,
    subsurface: wl_subsurface::WlSubsurface,
    /// Black, then white.
    buffers: [wl_buffer::WlBuffer; 2],
    /// The parent height the position was set for.
    placed_for: Option<i32>,
}

impl Overlay {
    pub fn new(
        globals: &GlobalList,
        state: &WaylandState,
        parent: &wl_surface::WlSurface,
        qh: &QueueHandle<WaylandState>,
    ) -> Result<Overlay, WaylandError> {
        let subcompositor: wl_subcompositor::WlSubcompositor = globals
            .bind(qh, 1..=1, ())
            .map_err(|_| WaylandError::MissingGlobal("wl_subcompositor"))?;
        let shm: wl_shm::WlShm = globals
            .bind(qh, 1..=1, ())
            .map_err(|_| WaylandError::MissingGlobal("wl_shm"))?;
        let side = SIDE as usize;
        let size = side * side * 4;
        let file = square_pixels(size).map_err(|e| WaylandError::Overlay(e.to_string()))?;
        let pool = shm.create_pool(std::os::fd::AsFd::as_fd(&file), (size * 2) as i32, qh, ());
        let buffer = |offset: usize| {
            pool.create_buffer(
                offset as i32,
                SIDE,
                SIDE,
                SIDE * 4,
                wl_shm::Format::Xrgb8888,
                qh,
                (),
            )
        };
        let buffers = [buffer(0), buffer(size)];
        pool.destroy();
        let surface = state.compositor.create_surface(qh);
        let subsurface = subcompositor.get_subsurface(&surface, parent, qh, ());
        // Its own commits show at once, not with the next camera frame.
        subsurface.set_desync();
        subcompositor.destroy();
        Ok(Overlay {
            surface,
            subsurface,
            buffers,
            placed_for: None,
        })
    }

    /// Keeps the square in the bottom-left corner of a window `height` tall; the parent's
    /// next commit applies it.
    pub fn place(&mut self, height: i32) {
        if self.placed_for != Some(height) {
            self.subsurface.set_position(0, (height - SIDE).max(0));
            self.placed_for = Some(height);
        }
    }

    /// Shows the white or the black square.
    pub fn show(&self, white: bool) -> &wl_surface::WlSurface {
        self.surface
            .attach(Some(&self.buffers[usize::from(white)]), 0, 0);
        self.surface.damage_buffer(0, 0, SIDE, SIDE);
        &self.surface
    }

    pub fn destroy(self) {
        self.subsurface.destroy();
        self.surface.destroy();
        for buffer in self.buffers {
            buffer.destroy();
        }
    }
}

/// A memfd holding the black square and then the white one, XRGB8888.
fn square_pixels(size: usize) -> std::io::Result<std::fs::File> {
    use nix::sys::memfd::{memfd_create, MemFdCreateFlag};
    let fd = memfd_create(c"glasscam-overlay", MemFdCreateFlag::MFD_CLOEXEC)?;
    let mut file = std::fs::File::from(fd);
    file.write_all(&vec![0x00; size])?;
    file.write_all(&vec![0xff; size])?;
    Ok(file)
}

wayland_client::delegate_noop!(WaylandState: ignore wl_subcompositor::WlSubcompositor);
wayland_client::delegate_noop!(WaylandState: ignore wl_subsurface::WlSubsurface);
wayland_client::delegate_noop!(WaylandState: ignore wl_shm::WlShm);
// The squares never change, so their release needs no answer.
wayland_client::delegate_noop!(WaylandState: ignore wl_buffer::WlBuffer);
