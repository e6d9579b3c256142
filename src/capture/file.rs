//! `--input FILE`: a file of concatenated JPEG frames played at --fps as if it were a camera.
//! Each frame is decoded straight into a dma-heap dmabuf as XRGB8888, which then travels
//! the same rungs as a camera's buffers.

use std::ops::Range;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use super::decode::DecodePool;
use super::{CaptureError, Dequeued, ExportedBuffer, StreamFormat};
use crate::dmabuf::{Allocator, FrameAllocator};
use crate::mjpeg;

pub struct FileSource {
    path: PathBuf,
    data: Vec<u8>,
    frames: Vec<Range<usize>>,
    next: usize,
    pool: DecodePool,
    timer: TimerFd,
    interval: Duration,
    sequence: u32,
}

fn file_error(path: &Path, what: String) -> CaptureError {
    CaptureError::BadInput {
        path: path.to_owned(),
        what,
    }
}

impl FileSource {
    /// Reads the file, and allocates `count` XRGB8888 buffers of its frame size.
    pub fn open(
        path: &Path,
        fps: u32,
        count: usize,
        allocator: &mut dyn FrameAllocator,
    ) -> Result<(FileSource, Vec<ExportedBuffer>, StreamFormat), CaptureError> {
        let data = std::fs::read(path).map_err(|source| CaptureError::Open {
            path: path.to_owned(),
            source,
        })?;
        let bad =
            |e: mjpeg::MjpegError| file_error(path, format!("not a usable MJPEG stream: {e}"));
        let frames = mjpeg::split_frames(&data).map_err(bad)?;
        let size = mjpeg::frame_size(&data[frames[0].clone()], 0).map_err(bad)?;
        let (pool, exported, format) =
            DecodePool::allocate(path, size, Some((1, fps)), count, allocator)?;
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )
        .map_err(|errno| CaptureError::FrameTimer {
            path: path.to_owned(),
            action: "create",
            errno,
        })?;
        let source = FileSource {
            path: path.to_owned(),
            data,
            frames,
            next: 0,
            pool,
            timer,
            interval: Duration::from_secs(1) / fps.max(1),
            sequence: 0,
        };
        Ok((source, exported, format))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    pub fn buffer_count(&self) -> usize {
        self.pool.len()
    }

    /// Who made the buffers frames are decoded into.
    pub fn allocator(&self) -> Allocator {
        self.pool.allocator()
    }

    pub fn start(&mut self) -> Result<(), CaptureError> {
        let interval = TimeSpec::from_duration(self.interval);
        self.timer
            .set(Expiration::Interval(interval), TimerSetTimeFlags::empty())
            .map_err(|errno| CaptureError::FrameTimer {
                path: self.path.clone(),
                action: "arm",
                errno,
            })
    }

    pub fn queue(&mut self, index: usize) -> Result<(), CaptureError> {
        self.pool.release(index)
    }

    /// On a timer tick, the next frame decoded into a free buffer; None between ticks.
    /// A tick with no free buffer loses its frame, which shows as a sequence gap.
    pub fn dequeue(&mut self) -> Result<Option<Dequeued>, CaptureError> {
        let ticks = match self.timer.wait() {
            Ok(()) => 1,
            Err(nix::errno::Errno::EAGAIN) => return Ok(None),
            Err(errno) => {
                return Err(CaptureError::FrameTimer {
                    path: self.path.clone(),
                    action: "read",
                    errno,
                })
            }
        };
        let Some(index) = self.pool.free_target() else {
            self.sequence = self.sequence.wrapping_add(ticks);
            return Ok(None);
        };
        // The tick is this frame's capture time, as a camera's end-of-frame timestamp.
        let captured = crate::clock::monotonic_now();
        let frame = self.next;
        self.next = (self.next + 1) % self.frames.len();
        self.pool
            .decode(index, &self.data[self.frames[frame].clone()], frame)
            .map_err(|e| file_error(&self.path, e.to_string()))?;
        let dequeued = Dequeued {
            index,
            sequence: self.sequence,
            flags: super::sys::V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC,
            timestamp: captured,
            bytes_used: self.frames[frame].len() as u32,
        };
        self.sequence = self.sequence.wrapping_add(ticks);
        Ok(Some(dequeued))
    }
}

impl AsFd for FileSource {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.timer.as_fd()
    }
}
