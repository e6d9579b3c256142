//! The copy rung: the CPU converts each camera frame into an XRGB8888 buffer the display
//! made (a dumb buffer on KMS, wl_shm on Wayland). One copy per frame, every byte counted.

use super::camera_maps::CameraMaps;
use super::marker;
use super::slots::SlotRing;
use super::PathError;
use crate::capture::{ExportedBuffer, StreamFormat};
use crate::display::{BufferId, Display};
use crate::geometry::MarkerSquare;
use crate::view::View;

pub struct Copy {
    maps: CameraMaps,
    targets: SlotRing,
    frame_size: (u32, u32),
}

impl Copy {
    /// Maps the camera buffers for reading and gets frame-sized buffers from the display.
    pub fn new(
        display: &mut Display,
        exported: &[ExportedBuffer],
        format: &StreamFormat,
    ) -> Result<Copy, PathError> {
        let maps = CameraMaps::new(exported, format).map_err(PathError::Copy)?;
        let size = (format.width, format.height);
        let ids = display.cpu_buffers(size, display.buffers_held())?;
        display.place(size, View::default())?;
        Ok(Copy {
            maps,
            targets: SlotRing::new(ids),
            frame_size: size,
        })
    }

    /// The display's buffers this rung fills.
    pub fn ids(&self) -> &[BufferId] {
        self.targets.ids()
    }

    /// Converts camera buffer `index` into a free target, with the marker square if given;
    /// None when the display holds every target (the frame is dropped).
    pub fn fill(
        &mut self,
        display: &mut Display,
        index: usize,
        marker: Option<bool>,
    ) -> Result<Option<BufferId>, PathError> {
        let Some((_, id)) = self.targets.take_free() else {
            return Ok(None);
        };
        let (maps, (w, h)) = (&self.maps, self.frame_size);
        display
            .write_pixels(id, |pixels, pitch| {
                maps.convert(index, pixels, pitch)?;
                if let Some(white) = marker {
                    // The buffers are the frame's size: the picture fills them.
                    let square = MarkerSquare::in_picture(0, 0, w, h);
                    marker::paint(pixels, pitch, square, white);
                }
                Ok(())
            })?
            .map_err(PathError::Copy)?;
        Ok(Some(id))
    }

    pub fn released(&mut self, id: BufferId) {
        self.targets.release(id);
    }
}
