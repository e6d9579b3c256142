//! The gpu rung: camera dmabufs imported into EGL and drawn by the GLES shaders into
//! XRGB8888 buffers the display made. Zero copies; the camera buffer goes back as soon as
//! the GPU has finished drawing it.

use std::os::fd::AsFd;

use super::slots::SlotRing;
use super::PathError;
use crate::capture::{ExportedBuffer, StreamFormat};
use crate::display::{BufferId, Display};
use crate::dmabuf::Allocator;
use crate::render::GpuConverter;
use crate::view::View;

pub struct Gpu {
    converter: Box<GpuConverter>,
    targets: SlotRing,
    /// Who made the targets.
    allocator: Option<Allocator>,
}

impl Gpu {
    /// Imports every camera buffer's planes into the GPU; no targets yet.
    pub fn import(
        mut converter: Box<GpuConverter>,
        exported: &[ExportedBuffer],
        format: &StreamFormat,
    ) -> Result<Gpu, PathError> {
        converter
            .import_camera(exported, format)
            .map_err(PathError::Gpu)?;
        Ok(Gpu {
            converter,
            targets: SlotRing::new(Vec::new()),
            allocator: None,
        })
    }

    /// Render targets of `size` from the display, as many as it may hold, placed whole and
    /// upright (the GPU draws the view).
    pub fn add_targets(
        &mut self,
        display: &mut Display,
        size: (u32, u32),
    ) -> Result<(), PathError> {
        let made = display
            .render_targets(size, display.buffers_held())
            .map_err(PathError::Targets)?;
        let ids = made.targets.iter().map(|t| t.id).collect();
        self.targets = SlotRing::new(ids);
        self.allocator = Some(made.allocator);
        for target in &made.targets {
            self.converter
                .add_target(target.fd.as_fd(), size, target.pitch, target.modifier)
                .map_err(PathError::Gpu)?;
        }
        display.place(size, View::default())?;
        Ok(())
    }

    /// Forgets the targets: the GPU's images first, then the display's buffers.
    pub fn remove_targets(&mut self, display: &mut Display) {
        self.converter.remove_targets();
        display.free(self.targets.ids());
        self.targets = SlotRing::new(Vec::new());
    }

    /// Draws camera buffer `index` into a free target, with the marker square if given;
    /// None when the display holds every target (the frame is dropped).
    pub fn draw(
        &mut self,
        index: usize,
        marker: Option<bool>,
    ) -> Result<Option<BufferId>, PathError> {
        let Some((slot, id)) = self.targets.take_free() else {
            return Ok(None);
        };
        self.converter
            .draw(index, slot, marker)
            .map_err(PathError::Gpu)?;
        Ok(Some(id))
    }

    /// Draws `view` of the frames from the next one on.
    pub fn set_view(&mut self, view: View) {
        self.converter.set_view(view);
    }

    /// Who made the targets; None before there are any.
    pub fn allocator(&self) -> Option<Allocator> {
        self.allocator
    }

    pub fn released(&mut self, id: BufferId) {
        self.targets.release(id);
    }
}
