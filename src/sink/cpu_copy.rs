//! The copy rung's camera side, shared by both sinks: every camera dmabuf mapped once for
//! reading, and one frame at a time converted into a display buffer.

use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::ptr::NonNull;

use nix::sys::mman::{mmap, munmap, MapFlags, ProtFlags};

use crate::capture::{ExportedBuffer, StreamFormat};
use crate::convert::{to_xrgb8888, ConvertError};

/// struct dma_buf_sync and DMA_BUF_IOCTL_SYNC from linux/dma-buf.h.
#[repr(C)]
struct DmaBufSync {
    flags: u64,
}
const DMA_BUF_SYNC_READ: u64 = 1;
const DMA_BUF_SYNC_START: u64 = 0;
const DMA_BUF_SYNC_END: u64 = 4;
nix::ioctl_write_ptr!(dma_buf_ioctl_sync, b'b', 0, DmaBufSync);

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// A camera dmabuf could not be mapped for reading.
    #[error("cannot map camera buffer {index} for the CPU: {errno}")]
    Map { index: usize, errno: nix::Error },
    /// The conversion met a buffer too small for the frame.
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// The buffer index is not one of the camera's.
    #[error("camera buffer {0} was never mapped")]
    Unknown(usize),
}

struct Mapping {
    fd: OwnedFd,
    ptr: NonNull<std::ffi::c_void>,
    len: usize,
}

impl Mapping {
    fn bytes(&self) -> &[u8] {
        // SAFETY: a live read-only shared mapping of `len` bytes, unmapped only in Drop.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr() as *const u8, self.len) }
    }

    /// Brackets CPU reads for the exporter's cache maintenance; best effort, as the
    /// exporters that need none may not implement it.
    fn sync(&self, phase: u64) {
        let sync = DmaBufSync {
            flags: DMA_BUF_SYNC_READ | phase,
        };
        // SAFETY: a dmabuf fd and a properly sized struct.
        let _ = unsafe { dma_buf_ioctl_sync(self.fd.as_raw_fd(), &sync) };
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: this mapping was created by mmap with this length and is not used after.
        let _ = unsafe { munmap(self.ptr, self.len) };
    }
}

pub struct CameraMaps {
    buffers: Vec<Vec<Mapping>>,
    format: StreamFormat,
}

impl CameraMaps {
    pub fn new(buffers: &[ExportedBuffer], format: &StreamFormat) -> Result<CameraMaps, CopyError> {
        let mut mapped = Vec::with_capacity(buffers.len());
        for buffer in buffers {
            let mut planes = Vec::with_capacity(buffer.planes.len());
            for plane in &buffer.planes {
                let map_error = |errno| CopyError::Map {
                    index: buffer.index,
                    errno,
                };
                let len = NonZeroUsize::new(plane.length as usize)
                    .ok_or(map_error(nix::Error::EINVAL))?;
                let fd = plane.fd.as_fd().try_clone_to_owned().map_err(|e| {
                    map_error(nix::Error::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
                })?;
                // SAFETY: mapping a dmabuf read-only; nothing else aliases it mutably here.
                let ptr = unsafe {
                    mmap(
                        None,
                        len,
                        ProtFlags::PROT_READ,
                        MapFlags::MAP_SHARED,
                        &fd,
                        0,
                    )
                }
                .map_err(map_error)?;
                planes.push(Mapping {
                    fd,
                    ptr,
                    len: len.get(),
                });
            }
            mapped.push(planes);
        }
        Ok(CameraMaps {
            buffers: mapped,
            format: format.clone(),
        })
    }

    /// Converts camera buffer `index` into XRGB8888 at `dst`; returns the bytes written.
    pub fn convert(
        &self,
        index: usize,
        dst: &mut [u8],
        dst_pitch: usize,
    ) -> Result<u64, CopyError> {
        let planes = self.buffers.get(index).ok_or(CopyError::Unknown(index))?;
        planes.iter().for_each(|p| p.sync(DMA_BUF_SYNC_START));
        let mem: Vec<&[u8]> = planes.iter().map(Mapping::bytes).collect();
        let format = &self.format;
        let result = to_xrgb8888(
            &format.pixel,
            &format.layout,
            &mem,
            (format.width, format.height),
            format.colorimetry,
            dst,
            dst_pitch,
        );
        planes.iter().for_each(|p| p.sync(DMA_BUF_SYNC_END));
        Ok(result?)
    }
}
