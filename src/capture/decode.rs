//! Where MJPEG frames are decoded to: XRGB8888 buffers at the stream's size from the display's
//! allocator (dumb buffers on the card, udmabuf or wl_shm for a compositor), which the display
//! then takes like camera buffers. Used by `--input FILE` and by cameras that send MJPEG.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use super::{CaptureError, ExportedBuffer, ExportedPlane, StreamFormat};
use crate::convert::Colorimetry;
use crate::dmabuf::map::WritableDmabufMap;
use crate::dmabuf::{Allocator, FrameAllocator, FrameMemory, MemoryKind};
use crate::format::PixelFormat;
use crate::mjpeg::{self, MjpegError};

struct Target {
    map: WritableDmabufMap,
    /// Neither the decoder nor the display has it.
    free: bool,
}

pub struct DecodePool {
    targets: Vec<Target>,
    allocator: Allocator,
    size: (u32, u32),
    /// The source, for errors.
    path: PathBuf,
}

fn pool_error(path: &Path, what: String) -> CaptureError {
    CaptureError::DecodeTarget {
        path: path.to_owned(),
        what,
    }
}

/// Maps each frame buffer for the decoder and exports it for the display: every one must hold
/// `pitch`-byte rows back to back, as the decoder writes them.
fn map_frames(
    path: &Path,
    buffers: Vec<FrameMemory>,
    kind: MemoryKind,
    pitch: u32,
    len: u32,
) -> Result<(Vec<Target>, Vec<ExportedBuffer>), CaptureError> {
    let mut targets = Vec::with_capacity(buffers.len());
    let mut exported = Vec::with_capacity(buffers.len());
    for (index, memory) in buffers.into_iter().enumerate() {
        if memory.pitch != pitch || memory.len < len {
            let (w, h) = (pitch / 4, len / pitch);
            let what = format!("{}-byte rows for a {w}x{h} frame", memory.pitch);
            return Err(pool_error(path, what));
        }
        let map = WritableDmabufMap::new(memory.fd.as_fd(), len as usize).map_err(|errno| {
            CaptureError::DecodeMap {
                path: path.to_owned(),
                what: "an output buffer",
                errno,
            }
        })?;
        targets.push(Target { map, free: true });
        exported.push(ExportedBuffer {
            index,
            planes: vec![ExportedPlane {
                fd: memory.fd,
                length: len,
            }],
            kind,
        });
    }
    Ok((targets, exported))
}

impl DecodePool {
    /// `count` XRGB8888 buffers of `size` from `allocator`, each exported for the display and
    /// mapped for the decoder; `path` names the source in errors.
    pub fn allocate(
        path: &Path,
        size: (u32, u32),
        interval: Option<(u32, u32)>,
        count: usize,
        allocator: &mut dyn FrameAllocator,
    ) -> Result<(DecodePool, Vec<ExportedBuffer>, StreamFormat), CaptureError> {
        let pitch = size.0.checked_mul(4);
        let len = pitch.and_then(|p| p.checked_mul(size.1)).filter(|&l| l > 0);
        let (Some(pitch), Some(len)) = (pitch, len) else {
            return Err(pool_error(path, format!("a {}x{} frame", size.0, size.1)));
        };
        let frames =
            allocator
                .allocate(size, count)
                .map_err(|source| CaptureError::DecodeAllocation {
                    path: path.to_owned(),
                    source,
                })?;
        let pixel = PixelFormat::xrgb8888();
        let layout = pixel
            .layout(size.0, size.1, &[(pitch, len)])
            .map_err(|e| pool_error(path, e.to_string()))?;
        let (targets, exported) = map_frames(path, frames.buffers, frames.kind, pitch, len)?;
        let format = StreamFormat {
            pixel,
            width: size.0,
            height: size.1,
            mem_planes: vec![(pitch, len)],
            layout,
            interval,
            // Decoded to RGB already: no YCbCr left to interpret.
            colorimetry: Colorimetry::from_v4l2(0, 0, 0),
        };
        let pool = DecodePool {
            targets,
            allocator: frames.allocator,
            size,
            path: path.to_owned(),
        };
        Ok((pool, exported, format))
    }

    /// Who made the buffers frames are decoded into.
    pub fn allocator(&self) -> Allocator {
        self.allocator
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// A buffer neither being decoded into nor held by the display.
    pub fn free_target(&self) -> Option<usize> {
        self.targets.iter().position(|t| t.free)
    }

    /// Decodes frame number `frame` into buffer `index`, which then belongs to the display.
    pub fn decode(&mut self, index: usize, jpeg: &[u8], frame: usize) -> Result<(), MjpegError> {
        let size = self.size;
        let Some(target) = self.targets.get_mut(index).filter(|t| t.free) else {
            return Err(MjpegError::Invalid {
                index: frame,
                reason: format!("decode buffer {index} is not free"),
            });
        };
        target
            .map
            .write(|out| mjpeg::decode_into(jpeg, frame, size, out))?;
        target.free = false;
        Ok(())
    }

    /// The display let go of buffer `index`.
    pub fn release(&mut self, index: usize) -> Result<(), CaptureError> {
        let target = self.targets.get_mut(index).ok_or_else(|| {
            pool_error(
                &self.path,
                format!("buffer {index}, which the pool never made"),
            )
        })?;
        target.free = true;
        Ok(())
    }
}
