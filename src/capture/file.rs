//! `--input FILE`: a file of concatenated JPEG frames played at --fps as if it were a camera.
//! Each frame is decoded straight into a dma-heap dmabuf as XRGB8888, which then travels
//! the same rungs as a camera's buffers.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::time::Duration;

use nix::sys::mman::{mmap, munmap, MapFlags, ProtFlags};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use super::{CaptureError, Dequeued, ExportedBuffer, ExportedPlane, StreamFormat};
use crate::convert::Colorimetry;
use crate::format::{parse_fourcc, PixelFormat};
use crate::mjpeg;

/// A dma-heap buffer mapped for the decoder to write into.
struct DecodeTarget {
    ptr: NonNull<std::ffi::c_void>,
    len: usize,
    free: bool,
}

impl Drop for DecodeTarget {
    fn drop(&mut self) {
        // SAFETY: mapped by mmap with this length, not used after.
        let _ = unsafe { munmap(self.ptr, self.len) };
    }
}

pub struct FileSource {
    path: PathBuf,
    data: Vec<u8>,
    frames: Vec<Range<usize>>,
    next: usize,
    size: (u32, u32),
    targets: Vec<DecodeTarget>,
    timer: TimerFd,
    interval: Duration,
    sequence: u32,
}

fn file_error(path: &Path, what: String) -> CaptureError {
    CaptureError::Driver {
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
    ) -> Result<(FileSource, Vec<ExportedBuffer>, StreamFormat), CaptureError> {
        let data = std::fs::read(path).map_err(|source| CaptureError::Open {
            path: path.to_owned(),
            source,
        })?;
        let bad = |e: mjpeg::MjpegError| file_error(path, format!("an MJPEG stream with {e}"));
        let frames = mjpeg::split_frames(&data).map_err(bad)?;
        let size = mjpeg::frame_size(&data[frames[0].clone()], 0).map_err(bad)?;
        let pitch = size.0 * 4;
        let len = (pitch * size.1) as usize;
        let pixel = PixelFormat::from_v4l2(parse_fourcc("BGR4").expect("a fourcc"))
            .expect("BGR4 is in the format table");
        let layout = pixel
            .layout(size.0, size.1, &[(pitch, len as u32)])
            .map_err(|e| file_error(path, e.to_string()))?;
        let mut targets = Vec::with_capacity(count);
        let mut exported = Vec::with_capacity(count);
        for index in 0..count {
            let fd = crate::sink::dma_heap::allocate(len)
                .map_err(|e| file_error(path, format!("no dma-heap buffer for decoding: {e}")))?;
            let length =
                NonZeroUsize::new(len).ok_or_else(|| file_error(path, "empty frames".into()))?;
            // SAFETY: mapping our own fresh dmabuf; only the decoder writes through it.
            let ptr = unsafe {
                mmap(
                    None,
                    length,
                    ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                    MapFlags::MAP_SHARED,
                    &fd,
                    0,
                )
            }
            .map_err(|e| file_error(path, format!("cannot map a decode buffer: {e}")))?;
            targets.push(DecodeTarget {
                ptr,
                len,
                free: true,
            });
            exported.push(ExportedBuffer {
                index,
                planes: vec![ExportedPlane {
                    fd,
                    length: len as u32,
                }],
            });
        }
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )
        .map_err(|e| file_error(path, format!("no timer: {e}")))?;
        let format = StreamFormat {
            pixel,
            width: size.0,
            height: size.1,
            mem_planes: vec![(pitch, len as u32)],
            layout,
            interval: Some((1, fps)),
            // Decoded to RGB already: no YCbCr left to interpret.
            colorimetry: Colorimetry::from_v4l2(0, 0, 0),
        };
        let source = FileSource {
            path: path.to_owned(),
            data,
            frames,
            next: 0,
            size,
            targets,
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
        self.targets.len()
    }

    pub fn start(&mut self) -> Result<(), CaptureError> {
        let interval = TimeSpec::from_duration(self.interval);
        self.timer
            .set(Expiration::Interval(interval), TimerSetTimeFlags::empty())
            .map_err(|e| file_error(&self.path, format!("cannot start the frame timer: {e}")))
    }

    pub fn queue(&mut self, index: usize) -> Result<(), CaptureError> {
        let target = self
            .targets
            .get_mut(index)
            .ok_or_else(|| file_error(&self.path, format!("buffer index {index} to queue")))?;
        target.free = true;
        Ok(())
    }

    /// On a timer tick, the next frame decoded into a free buffer; None between ticks.
    /// A tick with no free buffer loses its frame, which shows as a sequence gap.
    pub fn dequeue(&mut self) -> Result<Option<Dequeued>, CaptureError> {
        let ticks = match self.timer.wait() {
            Ok(()) => 1,
            Err(nix::errno::Errno::EAGAIN) => return Ok(None),
            Err(e) => return Err(file_error(&self.path, format!("frame timer: {e}"))),
        };
        let Some(index) = self.targets.iter().position(|t| t.free) else {
            self.sequence = self.sequence.wrapping_add(ticks);
            return Ok(None);
        };
        // The tick is this frame's capture time, as a camera's end-of-frame timestamp.
        let captured = crate::latency::clock::monotonic_now();
        let frame = self.next;
        self.next = (self.next + 1) % self.frames.len();
        let target = &mut self.targets[index];
        // SAFETY: a live read-write mapping of `len` bytes that only this decoder writes,
        // and the display reads only once the buffer is handed over below.
        let out =
            unsafe { std::slice::from_raw_parts_mut(target.ptr.as_ptr() as *mut u8, target.len) };
        mjpeg::decode_into(
            &self.data[self.frames[frame].clone()],
            frame,
            self.size,
            out,
        )
        .map_err(|e| file_error(&self.path, e.to_string()))?;
        target.free = false;
        let dequeued = Dequeued {
            index,
            sequence: self.sequence,
            flags: super::sys::V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC,
            timestamp: captured,
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
