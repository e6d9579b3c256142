//! The direct rung: the camera's dmabufs, each imported into the display once and shown as
//! they are. Zero copies; a buffer goes back to the camera when the display releases it. The
//! import rung is this one over buffers the display made (the camera writes into them).

use std::os::fd::AsFd;

use super::{PathError, Rung};
use crate::capture::{ExportedBuffer, StreamFormat};
use crate::display::{BufferId, Display, Import, ImportPlane};
use crate::format::Chroma;
use crate::view::View;

pub struct Direct {
    /// The display's buffer for each camera buffer, by camera index.
    ids: Vec<BufferId>,
    /// Direct (the camera's memory) or Import (the display's).
    rung: Rung,
    /// The display converts the YCbCr frames with the camera's matrix and range.
    pub colour_by_display: bool,
}

impl Direct {
    /// Imports every camera buffer and places them, showing `view` of them.
    pub fn new(
        display: &mut Display,
        exported: &[ExportedBuffer],
        format: &StreamFormat,
        (rung, view): (Rung, View),
    ) -> Result<Direct, PathError> {
        let dmabufs: Vec<Import<'_>> = exported
            .iter()
            .map(|buffer| camera_dmabuf(buffer, format))
            .collect();
        let ids = display.import(&dmabufs)?;
        // Before placing: the placement's TEST_ONLY commits carry the colour too.
        let ycbcr = format.pixel.chroma() != Chroma::None;
        let colour_by_display = display.set_colorimetry(ycbcr.then_some(format.colorimetry));
        display.place((format.width, format.height), view)?;
        Ok(Direct {
            ids,
            rung,
            colour_by_display,
        })
    }

    pub fn rung(&self) -> Rung {
        self.rung
    }

    /// The display's buffer for camera buffer `index`.
    pub fn id(&self, index: usize) -> Result<BufferId, PathError> {
        self.ids
            .get(index)
            .copied()
            .ok_or(PathError::UnknownBuffer(index))
    }

    /// The display's buffers, one per camera buffer.
    pub fn ids(&self) -> &[BufferId] {
        &self.ids
    }

    /// The camera buffer the display's buffer `id` wraps.
    pub fn camera_index(&self, id: BufferId) -> Option<usize> {
        self.ids.iter().position(|&i| i == id)
    }
}

/// A camera buffer as the display imports it: one entry per format plane.
fn camera_dmabuf<'a>(buffer: &'a ExportedBuffer, format: &StreamFormat) -> Import<'a> {
    Import {
        planes: format
            .layout
            .iter()
            .map(|plane| ImportPlane {
                fd: buffer.planes[plane.mem_plane].fd.as_fd(),
                offset: plane.offset,
                pitch: plane.pitch,
            })
            .collect(),
        format: format.pixel,
        size: (format.width, format.height),
        kind: buffer.kind,
        modifier: None,
    }
}
