//! Import mode on the console: buffers on the card that the camera writes into and the plane
//! then scans out as the card's own. GBM's (SCANOUT, LINEAR: a camera writes plain rows),
//! else dumb buffers; each memory plane of the camera's format is one buffer.

use drm::buffer::DrmFourcc;
use gbm::BufferObjectFlags;

use super::device::Card;
use super::error::KmsError;
use super::framebuffers;
use super::KmsDisplay;
use crate::dmabuf::{gbm::camera_buffers, Allocator, FrameMemory};

impl KmsDisplay {
    /// `count` buffers for the camera's memory planes, (bytes per row, bytes) each, and who
    /// made them. GBM that refuses gets one line, and dumb buffers are made instead.
    pub fn camera_memory(
        &mut self,
        planes: &[(u32, u32)],
        count: usize,
    ) -> Result<(Allocator, Vec<Vec<FrameMemory>>), KmsError> {
        let from_gbm = self.gbm_device().and_then(|device| {
            camera_buffers(&device, planes, count, BufferObjectFlags::SCANOUT).map_err(|source| {
                KmsError::Gbm {
                    path: self.card.path.clone(),
                    what: "allocating camera buffers",
                    source,
                }
            })
        });
        match from_gbm {
            Ok(buffers) => return Ok((Allocator::Gbm, buffers)),
            Err(refused) => say!("glasscam: {refused}; the camera writes into dumb buffers"),
        }
        let buffers = (0..count)
            .map(|_| {
                planes
                    .iter()
                    .map(|&plane| dumb_plane(&self.card, plane))
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        Ok((Allocator::Dumb, buffers))
    }
}

/// One memory plane of (bytes per row, bytes) as a dumb buffer of single-byte pixels,
/// exported as a dmabuf alone (its GEM handle closed).
fn dumb_plane(card: &Card, (pitch, size): (u32, u32)) -> Result<FrameMemory, KmsError> {
    let rows = size.div_ceil(pitch.max(1));
    framebuffers::exported_dumb_of(card, (pitch, rows), DrmFourcc::R8, 8)
}
