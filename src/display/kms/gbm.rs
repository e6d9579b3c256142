//! Render targets from GBM on the card itself: memory this card scans out and its GPU
//! draws into (SCANOUT | RENDERING), in a layout the plane lists in IN_FORMATS. Dumb
//! buffers are for the CPU only (drivers/gpu/drm/drm_dumb_buffers.c).

use std::os::fd::AsFd;
use std::rc::Rc;

use drm::buffer::DrmFourcc;
use gbm::BufferObjectFlags;

use super::device::{plane_modifiers, Card};
use super::error::KmsError;
use super::framebuffers::Framebuffer;
use crate::display::BufferId;
use crate::dmabuf::gbm::xrgb_buffer;
use crate::dmabuf::GbmDevice;

/// The card's GBM device, on a duplicate of the card's fd: one DRM file, so the GEM
/// handles of its buffers are the card's own and AddFB2 takes them as they are.
pub fn open(card: &Card) -> std::io::Result<GbmDevice> {
    crate::dmabuf::gbm::device_on(card.as_fd().try_clone_to_owned()?)
}

impl super::KmsDisplay {
    /// The card's GBM device for drawing with EGL: only where a GPU is behind the card.
    pub fn gpu_device(&mut self) -> Result<Rc<GbmDevice>, KmsError> {
        if !self.card.has_render_node() {
            return Err(KmsError::NoGpu(self.card.path.clone()));
        }
        self.gbm_device()
    }

    /// The card's GBM device, opened on first use.
    pub fn gbm_device(&mut self) -> Result<Rc<GbmDevice>, KmsError> {
        if let Some(device) = &self.gbm {
            return Ok(device.clone());
        }
        let device = Rc::new(open(&self.card).map_err(|source| KmsError::Gbm {
            path: self.card.path.clone(),
            what: "opening the device",
            source,
        })?);
        self.gbm = Some(device.clone());
        Ok(device)
    }

    /// `count` GBM render targets of `size` with their framebuffers.
    pub(super) fn gbm_buffers(
        &mut self,
        size: (u32, u32),
        count: usize,
    ) -> Result<Vec<BufferId>, KmsError> {
        let device = self.gbm_device()?;
        let xrgb = DrmFourcc::Xrgb8888 as u32;
        let modifiers = if self.output.linear_modifier {
            plane_modifiers(&self.card, self.output.plane, xrgb)
        } else {
            Vec::new()
        };
        let takes_modifiers = self.output.linear_modifier;
        self.add_all(count, |card| {
            let usage = BufferObjectFlags::SCANOUT | BufferObjectFlags::RENDERING;
            let bo =
                xrgb_buffer(&device, size, usage, &modifiers).map_err(|source| KmsError::Gbm {
                    path: card.path.clone(),
                    what: "allocating a render target",
                    source,
                })?;
            Framebuffer::gbm(card, bo, takes_modifiers)
        })
    }
}
