//! Buffers from GBM on the compositor's main device (linux-dmabuf v4 feedback): memory the
//! device that composites can read, whatever GPU it is. Render targets in a layout the
//! compositor lists for XRGB8888, best tranche first; frames the CPU writes in LINEAR.

use std::os::fd::AsFd;
use std::rc::Rc;

use gbm::BufferObjectFlags;

use super::formats::{self, MODIFIER_INVALID};
use super::{WaylandDisplay, WaylandError};
use crate::dmabuf::gbm::{
    camera_buffers, export, has_render_node, node_name, node_path, open_node, xrgb_buffer,
};
use crate::dmabuf::map::WritableDmabufMap;
use crate::dmabuf::udmabuf;
use crate::dmabuf::{Allocator, FrameMemory, GbmDevice};
use crate::format::{PixelFormat, MODIFIER_LINEAR};

impl WaylandDisplay {
    /// The main device the compositor named (v4 feedback); None with v3 or no feedback.
    pub fn main_device(&self) -> Option<u64> {
        let feedback = self.state.feedback.default.as_ref()?;
        Some(feedback.main_device()).filter(|&device| device != 0)
    }

    /// GBM on the compositor's main device, opened on first use.
    pub fn gbm_device(&mut self) -> Result<Rc<GbmDevice>, WaylandError> {
        if let Some(device) = &self.gbm {
            return Ok(device.clone());
        }
        let device = self.main_device().ok_or(WaylandError::NoMainDevice)?;
        let node = node_path(device).ok_or_else(|| WaylandError::Gbm {
            node: node_name(device),
            what: "finding its node",
            source: std::io::ErrorKind::NotFound.into(),
        })?;
        let opened = open_node(&node).map_err(|source| WaylandError::Gbm {
            node: node.display().to_string(),
            what: "opening it",
            source,
        })?;
        let opened = Rc::new(opened);
        self.gbm = Some(opened.clone());
        Ok(opened)
    }

    /// The main device's GBM device for drawing with EGL: only where a GPU is behind it.
    pub fn gpu_device(&mut self) -> Result<Rc<GbmDevice>, WaylandError> {
        let device = self.main_device().ok_or(WaylandError::NoMainDevice)?;
        if !has_render_node(device) {
            return Err(WaylandError::NoGpu(node_name(device)));
        }
        self.gbm_device()
    }

    /// The modifiers the compositor takes XRGB8888 in, most preferred tranche first
    /// (implicit layouts left out: a buffer from GBM says its own).
    pub(super) fn xrgb_modifiers(&self) -> Vec<u64> {
        let xrgb = PixelFormat::xrgb8888().drm as u32;
        let mut modifiers = Vec::new();
        for (format, modifier, _) in formats::offered_formats(&self.state) {
            if format == xrgb && modifier != MODIFIER_INVALID && !modifiers.contains(&modifier) {
                modifiers.push(modifier);
            }
        }
        modifiers
    }

    /// `count` XRGB8888 buffers of `size` from GBM with `usage`, in one of `modifiers` (the
    /// compositor's) where GBM can, else LINEAR, exported as dmabufs (which keep the memory:
    /// the buffer objects go at once). Without modifiers they are for the CPU to write: each
    /// is mapped once first, and must hold rows back to back.
    pub(super) fn gbm_memory(
        &mut self,
        size: (u32, u32),
        count: usize,
        usage: BufferObjectFlags,
        modifiers: &[u64],
    ) -> Result<Vec<FrameMemory>, WaylandError> {
        let device = self.gbm_device()?;
        let failed = |what| {
            move |source| WaylandError::Gbm {
                node: "the compositor's main device".into(),
                what,
                source,
            }
        };
        let mut memory = Vec::with_capacity(count);
        for _ in 0..count {
            let bo = xrgb_buffer(&device, size, usage, modifiers).map_err(failed("allocating"))?;
            let fd = export(&device, &bo).map_err(failed("exporting"))?;
            let (pitch, len) = (bo.stride(), bo.stride() * size.1);
            let modifier = match u64::from(bo.modifier()) {
                MODIFIER_INVALID => MODIFIER_LINEAR,
                chosen => chosen,
            };
            if modifiers.is_empty() {
                // The decoder writes rows back to back.
                if pitch != size.0 * 4 {
                    let padded = std::io::Error::from_raw_os_error(libc::EINVAL);
                    return Err(failed("its rows are padded")(padded));
                }
                WritableDmabufMap::new(fd.as_fd(), len as usize)
                    .map_err(|errno| failed("mapping")(errno.into()))?;
            }
            memory.push(FrameMemory {
                fd,
                pitch,
                len,
                modifier,
            });
        }
        Ok(memory)
    }
}
impl WaylandDisplay {
    /// Import mode: `count` buffers for the camera's memory planes, (bytes per row, bytes)
    /// each, and who made them: GBM on the compositor's main device, else udmabuf, a line
    /// for a tier that refused. Never a dma-heap: root's alone on stock systems.
    pub fn camera_memory(
        &mut self,
        planes: &[(u32, u32)],
        count: usize,
    ) -> Result<(Allocator, Vec<Vec<FrameMemory>>), WaylandError> {
        if self.state.dmabuf.version().is_none() {
            return Err(WaylandError::MissingGlobal("zwp_linux_dmabuf_v1"));
        }
        if self.main_device().is_some() {
            let from_gbm = self.gbm_device().and_then(|device| {
                let usage = BufferObjectFlags::empty();
                camera_buffers(&device, planes, count, usage).map_err(|source| WaylandError::Gbm {
                    node: "the compositor's main device".into(),
                    what: "allocating camera buffers",
                    source,
                })
            });
            match from_gbm {
                Ok(buffers) => return Ok((Allocator::Gbm, buffers)),
                Err(why) => say!("glasscam: gbm gave no camera buffers ({why}); trying udmabuf"),
            }
        }
        let buffers = udmabuf::camera_buffers(planes, count).map_err(WaylandError::Udmabuf)?;
        Ok((Allocator::Udmabuf, buffers))
    }
}
