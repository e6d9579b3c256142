//! Buffers from GBM on the compositor's main device (linux-dmabuf v4 feedback): memory the
//! device that composites can read, whatever GPU it is. LINEAR, the layout every compositor
//! imports and the CPU can write.

use std::os::fd::AsFd;
use std::rc::Rc;

use gbm::BufferObjectFlags;

use super::{WaylandDisplay, WaylandError};
use crate::dmabuf::gbm::{export, has_render_node, linear_xrgb, node_path, open_node};
use crate::dmabuf::map::WritableDmabufMap;
use crate::dmabuf::{FrameMemory, GbmDevice};

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
            node: format!("device {}:{}", libc::major(device), libc::minor(device)),
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
            let name = node_path(device).map_or_else(
                || format!("device {}:{}", libc::major(device), libc::minor(device)),
                |p| p.display().to_string(),
            );
            return Err(WaylandError::NoGpu(name));
        }
        self.gbm_device()
    }

    /// `count` LINEAR XRGB8888 buffers of `size` from GBM with `usage`, exported as dmabufs
    /// (which keep the memory: the buffer objects go at once). With `mapped`, each is
    /// mapped once first, for the CPU to write.
    pub(super) fn gbm_memory(
        &mut self,
        size: (u32, u32),
        count: usize,
        usage: BufferObjectFlags,
        mapped: bool,
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
            let bo = linear_xrgb(&device, size, usage).map_err(failed("allocating"))?;
            let fd = export(&device, &bo).map_err(failed("exporting"))?;
            let (pitch, len) = (bo.stride(), bo.stride() * size.1);
            if mapped {
                // The decoder writes rows back to back.
                if pitch != size.0 * 4 {
                    let padded = std::io::Error::from_raw_os_error(libc::EINVAL);
                    return Err(failed("its rows are padded")(padded));
                }
                WritableDmabufMap::new(fd.as_fd(), len as usize)
                    .map_err(|errno| failed("mapping")(errno.into()))?;
            }
            memory.push(FrameMemory { fd, pitch, len });
        }
        Ok(memory)
    }
}
