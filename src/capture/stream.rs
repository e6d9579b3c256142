//! Streaming: MMAP buffers allocated by the driver and exported as dmabufs, or (import mode)
//! buffers the display made, given to the driver as dmabufs (V4L2_MEMORY_DMABUF); queued and
//! dequeued. glasscam maps them only to decode a compressed frame or on the copy rung:
//! otherwise the display reads what the driver wrote where it wrote it.

use nix::errno::Errno;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use super::{sys, Camera, CaptureError, ExportedBuffer, ExportedPlane, StreamFormat};
use crate::dmabuf::{Allocator, FrameMemory, MemoryKind};

/// A filled buffer the driver handed back.
#[derive(Debug, Clone, Copy)]
pub struct Dequeued {
    pub index: usize,
    pub sequence: u32,
    pub flags: u32,
    /// The driver's timestamp; its clock is in `flags` (V4L2_BUF_FLAG_TIMESTAMP_*).
    pub timestamp: std::time::Duration,
    /// Bytes of frame data in the first plane (a compressed frame's length).
    pub bytes_used: u32,
}

impl Dequeued {
    /// The driver says the frame is corrupt.
    pub fn is_error(&self) -> bool {
        self.flags & sys::V4L2_BUF_FLAG_ERROR != 0
    }

    /// Stamped (on CLOCK_MONOTONIC) less than `interval` before `now`: a camera at that
    /// rate cannot have finished the next frame yet. An end-of-frame stamp or a
    /// start-of-exposure one, the frame was done no earlier than it.
    pub fn is_fresh(&self, interval: Duration, now: Duration) -> bool {
        self.flags & sys::V4L2_BUF_FLAG_TIMESTAMP_MASK == sys::V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC
            && now.saturating_sub(self.timestamp) < interval
    }
}

pub struct Stream {
    camera: Camera,
    /// (bytesperline, sizeimage) per memory plane, as the driver set them.
    mem_planes: Vec<(u32, u32)>,
    count: usize,
    streaming: bool,
    /// V4L2_MEMORY_MMAP (the driver's own buffers) or V4L2_MEMORY_DMABUF (the display's).
    memory: u32,
    /// With DMABUF memory: each buffer's planes, given to the driver with every QBUF.
    dmabufs: Vec<Vec<FrameMemory>>,
    allocator: Allocator,
}

impl Stream {
    /// Allocates at least `min_count` MMAP buffers and exports every plane of each.
    pub fn allocate(
        camera: Camera,
        mem_planes: Vec<(u32, u32)>,
        min_count: u32,
    ) -> Result<(Stream, Vec<ExportedBuffer>), CaptureError> {
        let mut stream = Stream::without_buffers(camera, mem_planes)?;
        let exported = stream.use_camera_memory(min_count)?;
        Ok((stream, exported))
    }

    /// A stream of the format set, with no buffers yet: import mode gives it the display's.
    pub fn without_buffers(
        camera: Camera,
        mem_planes: Vec<(u32, u32)>,
    ) -> Result<Stream, CaptureError> {
        if mem_planes.len() > sys::VIDEO_MAX_PLANES {
            return Err(CaptureError::Driver {
                path: camera.path.clone(),
                what: format!("{} planes", mem_planes.len()),
            });
        }
        Ok(Stream {
            camera,
            mem_planes,
            count: 0,
            streaming: false,
            memory: sys::V4L2_MEMORY_MMAP,
            dmabufs: Vec::new(),
            allocator: Allocator::Camera,
        })
    }

    /// The driver's own buffers (MMAP), at least `min_count`, every plane exported; the
    /// buffers it had are freed first.
    pub fn use_camera_memory(
        &mut self,
        min_count: u32,
    ) -> Result<Vec<ExportedBuffer>, CaptureError> {
        self.free_buffers()?;
        let got = self.request_buffers(sys::V4L2_MEMORY_MMAP, min_count)?;
        self.allocator = Allocator::Camera;
        if got < min_count {
            return Err(CaptureError::TooFewBuffers {
                path: self.camera.path.clone(),
                got,
                needed: min_count,
            });
        }
        (0..self.count).map(|index| self.export(index)).collect()
    }

    /// Import mode: the driver writes into `buffers` the display made (one dmabuf per memory
    /// plane, rows as long as the format's) instead of its own, which are freed. The display
    /// is given the same dmabufs back. On an error the stream has no buffers.
    pub fn use_display_memory(
        &mut self,
        buffers: Vec<Vec<FrameMemory>>,
        allocator: Allocator,
    ) -> Result<Vec<ExportedBuffer>, CaptureError> {
        self.free_buffers()?;
        if let Some(why) = unfit_display_memory(&buffers, &self.mem_planes) {
            return Err(CaptureError::DisplayMemory {
                path: self.camera.path.clone(),
                why,
            });
        }
        let got = self.request_buffers(sys::V4L2_MEMORY_DMABUF, buffers.len() as u32)?;
        let mut buffers = buffers;
        buffers.truncate(got as usize);
        self.count = buffers.len();
        let exported = buffers
            .iter()
            .enumerate()
            .map(|(index, planes)| display_buffer(index, planes))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|errno| self.camera.ioctl_error("duplicating a dmabuf")(errno))?;
        self.dmabufs = buffers;
        self.allocator = allocator;
        Ok(exported)
    }

    /// Asks the driver for rows of `pitches` bytes (one per memory plane), so that its
    /// frames fit buffers the display made with its own alignment; its buffers are freed
    /// first (S_FMT is refused while there are any). The format the driver then set.
    pub fn ask_row_lengths(
        &mut self,
        format: &StreamFormat,
        pitches: &[u32],
    ) -> Result<StreamFormat, CaptureError> {
        self.free_buffers()?;
        let set = self.camera.with_row_lengths(format, pitches)?;
        self.mem_planes = set.mem_planes.clone();
        Ok(set)
    }

    /// REQBUFS of `memory`; the count the driver gave.
    fn request_buffers(&mut self, memory: u32, count: u32) -> Result<u32, CaptureError> {
        let mut req = sys::v4l2_requestbuffers {
            count,
            type_: self.camera.buf_type,
            memory,
            ..Default::default()
        };
        // SAFETY: valid fd, properly sized struct.
        unsafe { sys::vidioc_reqbufs(self.camera.file.as_raw_fd(), &mut req) }
            .map_err(self.camera.ioctl_error("VIDIOC_REQBUFS"))?;
        self.memory = memory;
        self.count = req.count as usize;
        Ok(req.count)
    }

    /// Who made the buffers the driver writes into.
    pub fn allocator(&self) -> Allocator {
        self.allocator
    }

    pub fn camera(&self) -> &Camera {
        &self.camera
    }

    pub fn buffer_count(&self) -> usize {
        self.count
    }

    fn plane_count(&self) -> usize {
        self.mem_planes.len()
    }

    /// A v4l2_buffer for `index`, with `planes` wired in for the multi-planar API.
    fn buffer(&self, index: usize, planes: &mut [sys::v4l2_plane]) -> sys::v4l2_buffer {
        let mut buf = sys::v4l2_buffer {
            index: index as u32,
            type_: self.camera.buf_type,
            memory: self.memory,
            ..Default::default()
        };
        if self.camera.is_multiplanar() {
            buf.m.planes = planes.as_mut_ptr();
            buf.length = planes.len() as u32;
        }
        buf
    }

    fn export(&self, index: usize) -> Result<ExportedBuffer, CaptureError> {
        let mut planes = [sys::v4l2_plane::default(); sys::VIDEO_MAX_PLANES];
        let planes = &mut planes[..self.plane_count()];
        let mut buf = self.buffer(index, planes);
        // SAFETY: valid fd; buf and the planes array it points to outlive the call.
        unsafe { sys::vidioc_querybuf(self.camera.file.as_raw_fd(), &mut buf) }
            .map_err(self.camera.ioctl_error("VIDIOC_QUERYBUF"))?;
        let reports = self.plane_reports(&buf, planes, index)?;
        let mut exported = Vec::with_capacity(reports.as_slice().len());
        for (plane, &(_, _, length)) in reports.as_slice().iter().enumerate() {
            let needed = self.mem_planes[plane].1;
            if length < needed {
                return Err(self.driver_error(format!(
                    "a {length}-byte plane {plane} for buffer {index}, the format needs {needed}"
                )));
            }
            let mut exp = sys::v4l2_exportbuffer {
                type_: self.camera.buf_type,
                index: index as u32,
                plane: plane as u32,
                // Read-write: with read-only fds weston crashed on Mesa's llvmpipe, which maps
                // imports read-write.
                flags: (libc::O_RDWR | libc::O_CLOEXEC) as u32,
                ..Default::default()
            };
            // SAFETY: valid fd, properly sized struct.
            unsafe { sys::vidioc_expbuf(self.camera.file.as_raw_fd(), &mut exp) }
                .map_err(self.camera.ioctl_error("VIDIOC_EXPBUF"))?;
            if exp.fd < 0 {
                return Err(self.driver_error(format!("dmabuf fd {}", exp.fd)));
            }
            // SAFETY: EXPBUF just created this fd and nothing else owns it.
            let fd = unsafe { OwnedFd::from_raw_fd(exp.fd) };
            exported.push(ExportedPlane { fd, length });
        }
        Ok(ExportedBuffer {
            index,
            planes: exported,
            kind: crate::dmabuf::MemoryKind::Dmabuf,
        })
    }

    /// What the driver reported of each memory plane of buffer `index`, refusing a plane
    /// count other than the format's.
    fn plane_reports(
        &self,
        buf: &sys::v4l2_buffer,
        planes: &[sys::v4l2_plane],
        index: usize,
    ) -> Result<PlaneReports, CaptureError> {
        if !self.camera.is_multiplanar() {
            return Ok(PlaneReports::new(
                [(buf.bytesused, 0, buf.length)].into_iter(),
            ));
        }
        if buf.length as usize != planes.len() {
            return Err(self.driver_error(format!(
                "{} planes for buffer {index}, the format has {}",
                buf.length,
                planes.len()
            )));
        }
        Ok(PlaneReports::new(
            planes
                .iter()
                .map(|p| (p.bytesused, p.data_offset, p.length)),
        ))
    }

    fn driver_error(&self, what: String) -> CaptureError {
        CaptureError::Driver {
            path: self.camera.path.clone(),
            what,
        }
    }

    /// Gives buffer `index` to the driver to fill.
    pub fn queue(&self, index: usize) -> Result<(), CaptureError> {
        if index >= self.count {
            return Err(self.driver_error(format!("buffer index {index} to queue")));
        }
        let mut planes = [sys::v4l2_plane::default(); sys::VIDEO_MAX_PLANES];
        let mut buf = self.buffer(index, &mut planes[..self.plane_count()]);
        if let Some(dmabufs) = self.dmabufs.get(index) {
            give_dmabufs(&mut buf, &mut planes, dmabufs, self.camera.is_multiplanar());
        }
        // SAFETY: valid fd; buf and its planes outlive the call.
        match unsafe { sys::vidioc_qbuf(self.camera.file.as_raw_fd(), &mut buf) } {
            Ok(_) => Ok(()),
            // A buffer the display let go may go back after the camera was unplugged.
            Err(Errno::ENODEV) => Err(CaptureError::Disconnected {
                path: self.camera.path.clone(),
            }),
            Err(errno) => Err(self.camera.ioctl_error("VIDIOC_QBUF")(errno)),
        }
    }

    pub fn start(&mut self) -> Result<(), CaptureError> {
        let buf_type = self.camera.buf_type as libc::c_int;
        // SAFETY: valid fd, pointer to an int.
        unsafe { sys::vidioc_streamon(self.camera.file.as_raw_fd(), &buf_type) }
            .map_err(self.camera.ioctl_error("VIDIOC_STREAMON"))?;
        self.streaming = true;
        Ok(())
    }

    /// Stops streaming; the driver gives every buffer back.
    pub fn stop(&mut self) -> Result<(), CaptureError> {
        if !self.streaming {
            return Ok(());
        }
        self.streaming = false;
        let buf_type = self.camera.buf_type as libc::c_int;
        // SAFETY: valid fd, pointer to an int.
        unsafe { sys::vidioc_streamoff(self.camera.file.as_raw_fd(), &buf_type) }
            .map_err(self.camera.ioctl_error("VIDIOC_STREAMOFF"))?;
        Ok(())
    }

    /// The next filled buffer, or None when none is ready yet.
    pub fn dequeue(&self) -> Result<Option<Dequeued>, CaptureError> {
        let mut planes = [sys::v4l2_plane::default(); sys::VIDEO_MAX_PLANES];
        let planes = &mut planes[..self.plane_count()];
        let mut buf = self.buffer(0, planes);
        // SAFETY: valid fd; buf and its planes outlive the call.
        match unsafe { sys::vidioc_dqbuf(self.camera.file.as_raw_fd(), &mut buf) } {
            Ok(_) => {}
            Err(Errno::EAGAIN) => return Ok(None),
            Err(Errno::ENODEV) => {
                return Err(CaptureError::Disconnected {
                    path: self.camera.path.clone(),
                })
            }
            Err(errno) => return Err(self.camera.ioctl_error("VIDIOC_DQBUF")(errno)),
        }
        let index = buf.index as usize;
        if index >= self.count {
            return Err(self.driver_error(format!("buffer index {index} of {}", self.count)));
        }
        self.check_payload(&buf, planes)?;
        let bytes_used = if self.camera.is_multiplanar() {
            planes[0].bytesused
        } else {
            buf.bytesused
        };
        Ok(Some(Dequeued {
            bytes_used,
            index,
            sequence: buf.sequence,
            flags: buf.flags,
            timestamp: std::time::Duration::new(
                buf.timestamp.tv_sec.max(0) as u64,
                (buf.timestamp.tv_usec.clamp(0, 999_999) * 1000) as u32,
            ),
        }))
    }

    /// bytesused and data_offset must lie inside the plane the driver allocated.
    fn check_payload(
        &self,
        buf: &sys::v4l2_buffer,
        planes: &[sys::v4l2_plane],
    ) -> Result<(), CaptureError> {
        let reports = self.plane_reports(buf, planes, buf.index as usize)?;
        match payload_fault(reports.as_slice()) {
            Some(fault) => Err(self.driver_error(format!("{fault} (buffer {})", buf.index))),
            None => Ok(()),
        }
    }

    /// Frees the driver's buffers; every exported dmabuf must be closed first.
    pub fn release(mut self) -> Result<(), CaptureError> {
        self.free_buffers()
    }

    /// Stops streaming and frees every buffer (REQBUFS 0 of the memory in use).
    fn free_buffers(&mut self) -> Result<(), CaptureError> {
        self.stop()?;
        let mut req = sys::v4l2_requestbuffers {
            count: 0,
            type_: self.camera.buf_type,
            memory: self.memory,
            ..Default::default()
        };
        // SAFETY: valid fd, properly sized struct.
        unsafe { sys::vidioc_reqbufs(self.camera.file.as_raw_fd(), &mut req) }
            .map_err(self.camera.ioctl_error("VIDIOC_REQBUFS(0)"))?;
        self.count = 0;
        self.dmabufs.clear();
        Ok(())
    }
}

/// Why buffers the display made cannot hold the camera's frames (a plane missing or too
/// small, rows of another length), or None when they can.
fn unfit_display_memory(buffers: &[Vec<FrameMemory>], mem_planes: &[(u32, u32)]) -> Option<String> {
    for (index, planes) in buffers.iter().enumerate() {
        if planes.len() != mem_planes.len() {
            return Some(format!(
                "buffer {index} has {} planes, the format {}",
                planes.len(),
                mem_planes.len()
            ));
        }
        for (plane, (memory, &(pitch, size))) in planes.iter().zip(mem_planes).enumerate() {
            if memory.pitch != pitch {
                return Some(format!(
                    "rows of {} bytes in plane {plane}, the camera writes {pitch}",
                    memory.pitch
                ));
            }
            if memory.len < size {
                return Some(format!(
                    "a {}-byte plane {plane}, the format needs {size}",
                    memory.len
                ));
            }
        }
    }
    None
}

/// A display buffer as the display is given it back: the same dmabufs.
fn display_buffer(index: usize, planes: &[FrameMemory]) -> Result<ExportedBuffer, Errno> {
    let planes = planes
        .iter()
        .map(|memory| {
            let fd = memory
                .fd
                .as_fd()
                .try_clone_to_owned()
                .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EBADF)))?;
            Ok(ExportedPlane {
                fd,
                length: memory.len,
            })
        })
        .collect::<Result<_, Errno>>()?;
    Ok(ExportedBuffer {
        index,
        planes,
        kind: MemoryKind::Dmabuf,
    })
}

/// Puts each plane's dmabuf fd and length into a QBUF of DMABUF memory.
fn give_dmabufs(
    buf: &mut sys::v4l2_buffer,
    planes: &mut [sys::v4l2_plane],
    dmabufs: &[FrameMemory],
    multiplanar: bool,
) {
    if multiplanar {
        for (plane, memory) in planes.iter_mut().zip(dmabufs) {
            plane.m.fd = memory.fd.as_raw_fd();
            plane.length = memory.len;
        }
    } else if let Some(memory) = dmabufs.first() {
        buf.m.fd = memory.fd.as_raw_fd();
        buf.length = memory.len;
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::warn!("{e}");
        }
    }
}

/// (bytesused, data_offset, length) of each memory plane as the driver reported them, on the
/// stack: DQBUF runs once a frame and must not allocate.
struct PlaneReports {
    reports: [(u32, u32, u32); sys::VIDEO_MAX_PLANES],
    count: usize,
}

impl PlaneReports {
    /// Takes at most VIDEO_MAX_PLANES reports, as many as a buffer can have.
    fn new(reports: impl Iterator<Item = (u32, u32, u32)>) -> PlaneReports {
        let mut taken = PlaneReports {
            reports: [(0, 0, 0); sys::VIDEO_MAX_PLANES],
            count: 0,
        };
        for (slot, report) in taken.reports.iter_mut().zip(reports) {
            *slot = report;
            taken.count += 1;
        }
        taken
    }

    fn as_slice(&self) -> &[(u32, u32, u32)] {
        &self.reports[..self.count]
    }
}

/// What is wrong with a dequeued buffer's payload, given (bytesused, data_offset, length) per
/// plane as the driver reported them, or None when every plane's data lies inside it.
fn payload_fault(payloads: &[(u32, u32, u32)]) -> Option<String> {
    for (plane, &(used, offset, length)) in payloads.iter().enumerate() {
        if used > length || offset > used {
            return Some(format!(
                "plane {plane} with {used} bytes used at offset {offset} in {length}"
            ));
        }
        // Framebuffers are made once with offset 0; a moving payload would show garbage.
        if offset != 0 {
            return Some(format!(
                "payload at data_offset {offset} in plane {plane}, which glasscam does not support yet"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_frame_stamped_within_one_interval_has_no_newer_one_done() {
        let frame = |flags, timestamp| Dequeued {
            index: 0,
            sequence: 0,
            flags,
            timestamp,
            bytes_used: 0,
        };
        let (interval, now) = (Duration::from_millis(33), Duration::from_secs(100));
        let mono = sys::V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
        assert!(frame(mono, now - Duration::from_millis(5)).is_fresh(interval, now));
        assert!(!frame(mono, now - Duration::from_millis(40)).is_fresh(interval, now));
        // A start-of-exposure stamp is older still: the same rule holds.
        let soe = mono | sys::V4L2_BUF_FLAG_TSTAMP_SRC_SOE;
        assert!(frame(soe, now - Duration::from_millis(5)).is_fresh(interval, now));
        // On another clock (or none) nothing is known: keep dequeuing.
        assert!(!frame(sys::V4L2_BUF_FLAG_TIMESTAMP_COPY, now).is_fresh(interval, now));
    }

    proptest! {
        /// Whatever the driver reports, an accepted payload lies inside its plane from
        /// offset 0, and a payload past its plane's end is never accepted.
        #[test]
        fn an_accepted_payload_lies_inside_its_plane(
            payloads in proptest::collection::vec((any::<u32>(), any::<u32>(), any::<u32>()), 0..4)
        ) {
            match payload_fault(&payloads) {
                None => prop_assert!(payloads
                    .iter()
                    .all(|&(used, offset, length)| used <= length && offset == 0)),
                Some(_) => prop_assert!(payloads
                    .iter()
                    .any(|&(used, offset, length)| used > length || offset != 0)),
            }
        }
    }

    #[test]
    fn a_payload_past_the_plane_or_at_an_offset_is_refused() {
        assert_eq!(payload_fault(&[(614_400, 0, 614_400)]), None);
        assert!(payload_fault(&[(100, 0, 200), (201, 0, 200)])
            .unwrap()
            .contains("plane 1 with 201 bytes"));
        assert!(payload_fault(&[(100, 16, 200)])
            .unwrap()
            .contains("data_offset 16"));
        assert!(payload_fault(&[(10, 16, 200)]).is_some());
    }
}
