//! A camera that sends MJPEG, as many USB webcams do at HD sizes. Each compressed frame is
//! read through a CPU mapping of its dmabuf, decoded into a buffer of the decode pool, and the
//! camera buffer goes straight back to the driver; the display takes the decoded buffers.

use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

use super::decode::DecodePool;
use super::{
    sys, Camera, CaptureError, Dequeued, ExportedBuffer, FormatRequest, Stream, StreamFormat,
};
use crate::dmabuf::map::DmabufMap;
use crate::dmabuf::{Allocator, FrameAllocator};
use crate::format::v4l2_fourcc;

/// The compressed formats glasscam decodes: Motion-JPEG, and plain JPEG frames.
pub const FOURCCS: [u32; 2] = [v4l2_fourcc(b"MJPG"), v4l2_fourcc(b"JPEG")];

/// Camera buffers: decoding returns each at once, so few are needed.
const CAMERA_BUFFERS: u32 = 4;

pub struct MjpegCamera {
    /// Read-only maps of the camera buffers; dropped before the stream releases them.
    maps: Vec<DmabufMap>,
    stream: Stream,
    pool: DecodePool,
    frames_decoded: usize,
    corrupt: u64,
    /// The compressed format the camera sends (one of FOURCCS), asked for again on a replug.
    fourcc: u32,
}

impl MjpegCamera {
    /// Sets `fourcc` (one of FOURCCS) at the size and rate asked for, maps the camera's
    /// buffers, and allocates `count` decoded buffers for the display.
    pub fn open(
        camera: Camera,
        request: FormatRequest,
        count: usize,
        allocator: &mut dyn FrameAllocator,
    ) -> Result<(MjpegCamera, Vec<ExportedBuffer>, StreamFormat), CaptureError> {
        let fourcc = request.fourcc.unwrap_or(FOURCCS[0]);
        let set = camera.configure_compressed(request)?;
        let path = camera.path.clone();
        let (stream, camera_buffers) =
            Stream::allocate(camera, set.mem_planes.clone(), CAMERA_BUFFERS)?;
        let maps = camera_buffers
            .iter()
            .map(|b| DmabufMap::read_only(b.planes[0].fd.as_fd(), b.planes[0].length as usize))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|errno| CaptureError::DecodeMap {
                path: path.clone(),
                what: "a camera buffer",
                errno,
            })?;
        let (pool, exported, format) = DecodePool::allocate(
            &path,
            (set.width, set.height),
            set.interval,
            count,
            allocator,
        )?;
        let camera = MjpegCamera {
            maps,
            stream,
            pool,
            frames_decoded: 0,
            corrupt: 0,
            fourcc,
        };
        Ok((camera, exported, format))
    }

    pub fn path(&self) -> &Path {
        &self.stream.camera().path
    }

    pub fn camera(&self) -> &Camera {
        self.stream.camera()
    }

    /// The compressed format the camera sends.
    pub fn fourcc(&self) -> u32 {
        self.fourcc
    }

    pub fn buffer_count(&self) -> usize {
        self.pool.len()
    }

    /// Who made the buffers frames are decoded into.
    pub fn allocator(&self) -> Allocator {
        self.pool.allocator()
    }

    pub fn start(&mut self) -> Result<(), CaptureError> {
        for index in 0..self.maps.len() {
            self.stream.queue(index)?;
        }
        self.stream.start()
    }

    /// The display let go of decoded buffer `index`.
    pub fn queue(&mut self, index: usize) -> Result<(), CaptureError> {
        self.pool.release(index)
    }

    /// The next frame, decoded; None when the camera has none ready. A frame the driver
    /// flags or the decoder rejects comes back flagged V4L2_BUF_FLAG_ERROR, to be counted
    /// and skipped. A frame arriving while the display holds every decoded buffer is lost,
    /// which shows as a sequence gap.
    pub fn dequeue(&mut self) -> Result<Option<Dequeued>, CaptureError> {
        loop {
            let Some(frame) = self.stream.dequeue()? else {
                return Ok(None);
            };
            let decoded = self.decode(&frame);
            // The compressed frame has been read: its buffer goes straight back.
            self.stream.queue(frame.index)?;
            if let Some(dequeued) = decoded {
                return Ok(Some(dequeued));
            }
        }
    }

    fn decode(&mut self, frame: &Dequeued) -> Option<Dequeued> {
        let Some(target) = self.pool.free_target() else {
            tracing::debug!("MJPEG frame {} lost: no free decode buffer", frame.sequence);
            return None;
        };
        let mut flags = frame.flags;
        let map = self.maps.get(frame.index)?;
        let used = (frame.bytes_used as usize).min(map.len());
        let result = if frame.is_error() || used == 0 {
            Err("the driver flagged it".to_owned())
        } else {
            let number = self.frames_decoded;
            let pool = &mut self.pool;
            map.read(|bytes| pool.decode(target, &bytes[..used], number))
                .map_err(|e| e.to_string())
        };
        match result {
            Ok(()) => self.frames_decoded += 1,
            Err(why) => {
                self.corrupt += 1;
                // One line for the first, not one per frame: cheap webcams send many.
                if self.corrupt == 1 {
                    tracing::warn!(
                        "{}: skipping corrupt MJPEG frames ({why})",
                        self.path().display()
                    );
                }
                flags |= sys::V4L2_BUF_FLAG_ERROR;
            }
        }
        Some(Dequeued {
            index: target,
            flags,
            ..*frame
        })
    }

    /// Stops streaming and frees the camera's buffers once their maps are gone.
    pub fn release(self) -> Result<(), CaptureError> {
        let MjpegCamera { maps, stream, .. } = self;
        drop(maps);
        stream.release()
    }
}

impl AsFd for MjpegCamera {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.stream.camera().as_fd()
    }
}
