//! The copy rung's camera side: every camera dmabuf mapped once for reading, and one
//! frame at a time converted into a display buffer.

use std::os::fd::AsFd;

use crate::capture::{ExportedBuffer, StreamFormat};
use crate::convert::{to_xrgb8888, ConvertError};
use crate::dmabuf::map::{read_all, DmabufMap};

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

pub struct CameraMaps {
    buffers: Vec<Vec<DmabufMap>>,
    format: StreamFormat,
}

impl CameraMaps {
    pub fn new(buffers: &[ExportedBuffer], format: &StreamFormat) -> Result<CameraMaps, CopyError> {
        let mut mapped = Vec::with_capacity(buffers.len());
        for buffer in buffers {
            let planes = buffer
                .planes
                .iter()
                .map(|plane| DmabufMap::read_only(plane.fd.as_fd(), plane.length as usize))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|errno| CopyError::Map {
                    index: buffer.index,
                    errno,
                })?;
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
        let format = &self.format;
        let written = read_all(planes, |mem| {
            to_xrgb8888(
                &format.pixel,
                &format.layout,
                mem,
                (format.width, format.height),
                format.colorimetry,
                dst,
                dst_pitch,
            )
        })?;
        // A frame copied for the display: counted (a snapshot's conversion is not).
        crate::stats::count_copy(written);
        Ok(written)
    }
}
