//! The camera: a V4L2 capture device, its formats, and the format glasscam streams in.

pub mod controls;
mod decode;
mod error;
pub mod file;
pub mod list;
pub mod mjpeg_camera;
mod stream;
pub mod sys;

use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::eventfd::{EfdFlags, EventFd};

pub use controls::{ControlError, ControlSetting};
pub use error::CaptureError;
pub use file::FileSource;
pub use mjpeg_camera::MjpegCamera;
pub use stream::{Dequeued, Stream};

use crate::convert::Colorimetry;
use crate::dmabuf::{Allocator, MemoryKind};
use crate::fd_limit;
use crate::format::{fourcc_name, PixelFormat, PlaneLayout};

/// One memory plane of a V4L2 buffer, exported as a dmabuf.
#[derive(Debug)]
pub struct ExportedPlane {
    pub fd: OwnedFd,
    /// Bytes the driver allocated for the plane.
    pub length: u32,
}

/// A V4L2 buffer whose every plane the display can import.
#[derive(Debug)]
pub struct ExportedBuffer {
    pub index: usize,
    pub planes: Vec<ExportedPlane>,
    /// Dmabufs, except decoded frames in wl_shm memory.
    pub kind: MemoryKind,
}

/// The format the driver actually set.
#[derive(Debug, Clone)]
pub struct StreamFormat {
    pub pixel: PixelFormat,
    pub width: u32,
    pub height: u32,
    /// (bytesperline, sizeimage) per memory plane, as the driver reported them.
    pub mem_planes: Vec<(u32, u32)>,
    /// Where the DRM colour planes are in the memory planes.
    pub layout: Vec<PlaneLayout>,
    /// Frame interval the driver set, if it reports one.
    pub interval: Option<(u32, u32)>,
    /// How YCbCr samples map to RGB, as the driver reports it.
    pub colorimetry: Colorimetry,
}

impl StreamFormat {
    /// The time between frames the driver set, where it reports one.
    pub fn frame_interval(&self) -> Option<Duration> {
        let (seconds, frames) = self.interval?;
        let nanos = u64::from(seconds) * 1_000_000_000;
        (seconds > 0 && frames > 0).then(|| Duration::from_nanos(nanos / u64::from(frames)))
    }

    pub fn describe(&self) -> String {
        let fps = match self.frame_interval() {
            Some(interval) => format!(" at {:.2} fps", 1.0 / interval.as_secs_f64()),
            None => String::new(),
        };
        format!(
            "{} {}x{}{}",
            self.pixel.name(),
            self.width,
            self.height,
            fps
        )
    }
}

/// Where frames come from: a V4L2 camera, one that sends MJPEG, or an MJPEG file played as one.
pub enum Source {
    Camera(Stream),
    Mjpeg(MjpegCamera),
    File(FileSource),
    /// A camera that was disconnected, waited for (--persistent): no buffers, no frames.
    Gone(GoneCamera),
}

/// What is left of a camera that went: who it was, and an fd that never becomes ready, for
/// the loop to wait on.
pub struct GoneCamera {
    path: PathBuf,
    identity: CameraIdentity,
    /// The compressed format it sent and glasscam decoded, if it was an MJPEG camera.
    compressed: Option<u32>,
    never_ready: EventFd,
}

impl Source {
    pub fn path(&self) -> &Path {
        match self {
            Source::Camera(s) => &s.camera().path,
            Source::Mjpeg(m) => m.path(),
            Source::Gone(g) => &g.path,
            Source::File(f) => f.path(),
        }
    }

    pub fn buffer_count(&self) -> usize {
        match self {
            Source::Camera(s) => s.buffer_count(),
            Source::Mjpeg(m) => m.buffer_count(),
            Source::File(f) => f.buffer_count(),
            Source::Gone(_) => 0,
        }
    }

    /// Who made the buffers the display is given: the camera, or the display's allocator
    /// for decoded frames.
    pub fn allocator(&self) -> Allocator {
        match self {
            Source::Camera(s) => s.allocator(),
            Source::Gone(_) => Allocator::Camera,
            Source::Mjpeg(m) => m.allocator(),
            Source::File(f) => f.allocator(),
        }
    }

    /// Hands buffer `index` back to be filled.
    pub fn queue(&mut self, index: usize) -> Result<(), CaptureError> {
        match self {
            Source::Camera(s) => s.queue(index),
            Source::Mjpeg(m) => m.queue(index),
            Source::File(f) => f.queue(index),
            Source::Gone(g) => Err(CaptureError::Disconnected {
                path: g.path.clone(),
            }),
        }
    }

    pub fn dequeue(&mut self) -> Result<Option<Dequeued>, CaptureError> {
        match self {
            Source::Camera(s) => s.dequeue(),
            Source::Mjpeg(m) => m.dequeue(),
            Source::File(f) => f.dequeue(),
            Source::Gone(_) => Ok(None),
        }
    }

    pub fn start(&mut self) -> Result<(), CaptureError> {
        match self {
            Source::Camera(s) => s.start(),
            Source::Mjpeg(m) => m.start(),
            Source::File(f) => f.start(),
            Source::Gone(_) => Ok(()),
        }
    }

    /// Stops and frees the buffers; every exported dmabuf must be closed first.
    pub fn release(self) -> Result<(), CaptureError> {
        match self {
            Source::Camera(s) => s.release(),
            Source::Mjpeg(m) => m.release(),
            Source::File(_) | Source::Gone(_) => Ok(()),
        }
    }

    /// Who the camera is, where it can come back (a V4L2 camera, raw or MJPEG; not a file).
    pub fn identity(&self) -> Option<CameraIdentity> {
        match self {
            Source::Camera(s) => Some(s.camera().identity()),
            Source::Mjpeg(m) => Some(m.camera().identity()),
            Source::Gone(g) => Some(g.identity.clone()),
            Source::File(_) => None,
        }
    }

    /// The compressed format a camera sends and glasscam decodes (MJPEG), also once it went.
    pub fn compressed_fourcc(&self) -> Option<u32> {
        match self {
            Source::Mjpeg(m) => Some(m.fourcc()),
            Source::Gone(g) => g.compressed,
            Source::Camera(_) | Source::File(_) => None,
        }
    }

    /// The camera went: its stream is let go (errors ignored: the device is gone, and it
    /// must be closed before its driver can be reloaded), and a placeholder stays.
    pub fn let_go(&mut self) -> Result<(), CaptureError> {
        let path = self.path().to_owned();
        let identity = match self {
            Source::Gone(_) => return Ok(()),
            _ => self.identity(),
        };
        let identity = identity.ok_or(CaptureError::Disconnected { path: path.clone() })?;
        let never_ready =
            EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC).map_err(|errno| {
                CaptureError::Ioctl {
                    path: path.clone(),
                    what: "eventfd",
                    errno,
                }
            })?;
        let gone = Source::Gone(GoneCamera {
            path,
            identity,
            compressed: self.compressed_fourcc(),
            never_ready,
        });
        let _ = std::mem::replace(self, gone).release();
        Ok(())
    }
}

impl AsFd for Source {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Source::Camera(s) => s.camera().as_fd(),
            Source::Mjpeg(m) => m.as_fd(),
            Source::File(f) => f.as_fd(),
            Source::Gone(g) => g.never_ready.as_fd(),
        }
    }
}

/// What the user asked for; anything left out keeps the driver's current setting.
#[derive(Debug, Clone, Copy, Default)]
pub struct FormatRequest {
    pub fourcc: Option<u32>,
    pub size: Option<(u32, u32)>,
    pub fps: Option<u32>,
}

pub struct Camera {
    file: File,
    pub path: PathBuf,
    pub card: String,
    pub driver: String,
    /// Where the device sits (platform:vivid-000, usb-0000:00:14.0-1): with driver and card,
    /// what names this camera across a replug, whatever node number it gets.
    pub bus_info: String,
    /// V4L2_BUF_TYPE_VIDEO_CAPTURE or V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE.
    buf_type: u32,
}

/// A camera as VIDIOC_QUERYCAP names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraIdentity {
    pub driver: String,
    pub card: String,
    pub bus_info: String,
}

impl AsFd for Camera {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

impl Camera {
    /// Opens a device and checks that it can stream video capture.
    pub fn open(path: &Path) -> Result<Camera, CaptureError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(path)
            .map_err(
                |source| match source.raw_os_error().and_then(fd_limit::hit) {
                    Some(limit) => CaptureError::FdLimit {
                        path: path.to_owned(),
                        what: "opening the device",
                        limit,
                    },
                    None => CaptureError::Open {
                        path: path.to_owned(),
                        source,
                    },
                },
            )?;
        let mut cap = sys::v4l2_capability::default();
        // SAFETY: a valid fd and a properly sized, writable struct.
        unsafe { sys::vidioc_querycap(file.as_raw_fd(), &mut cap) }.map_err(|errno| {
            CaptureError::NotV4l2 {
                path: path.to_owned(),
                errno,
            }
        })?;
        let caps = if cap.capabilities & sys::V4L2_CAP_DEVICE_CAPS != 0 {
            cap.device_caps
        } else {
            cap.capabilities
        };
        let card = c_string(&cap.card);
        let unsuitable = |why: &str| CaptureError::Unsuitable {
            path: path.to_owned(),
            card: card.clone(),
            why: why.to_owned(),
        };
        let buf_type = if caps & sys::V4L2_CAP_VIDEO_CAPTURE_MPLANE != 0 {
            sys::V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
        } else if caps & sys::V4L2_CAP_VIDEO_CAPTURE != 0 {
            sys::V4L2_BUF_TYPE_VIDEO_CAPTURE
        } else {
            return Err(unsuitable("it is not a video capture device"));
        };
        if caps & sys::V4L2_CAP_STREAMING == 0 {
            return Err(unsuitable("it does not support streaming I/O"));
        }
        Ok(Camera {
            file,
            path: path.to_owned(),
            driver: c_string(&cap.driver),
            card,
            bus_info: c_string(&cap.bus_info),
            buf_type,
        })
    }

    pub fn identity(&self) -> CameraIdentity {
        CameraIdentity {
            driver: self.driver.clone(),
            card: self.card.clone(),
            bus_info: self.bus_info.clone(),
        }
    }

    /// The capture device in /dev that is `identity`, if one is there now.
    pub fn find(identity: &CameraIdentity) -> Option<Camera> {
        let mut nodes: Vec<PathBuf> = std::fs::read_dir("/dev")
            .ok()?
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("video"))
            })
            .collect();
        nodes.sort();
        nodes
            .iter()
            .filter_map(|node| Camera::open(node).ok())
            .find(|camera| camera.identity() == *identity)
    }

    pub fn is_multiplanar(&self) -> bool {
        self.buf_type == sys::V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
    }

    /// Names the errors a user can act on (busy, fd limit, a failed stream); the rest say
    /// which ioctl failed how.
    fn ioctl_error(&self, what: &'static str) -> impl Fn(Errno) -> CaptureError + '_ {
        move |errno| {
            let path = self.path.clone();
            if let Some(limit) = fd_limit::hit(errno as i32) {
                return CaptureError::FdLimit { path, what, limit };
            }
            match errno {
                Errno::EBUSY => CaptureError::Busy { path, what, errno },
                Errno::EIO => CaptureError::StreamFailed { path, what, errno },
                _ => CaptureError::Ioctl { path, what, errno },
            }
        }
    }

    /// The formats the camera offers, in the driver's order.
    pub fn formats(&self) -> Result<Vec<(u32, String)>, CaptureError> {
        let mut formats = Vec::new();
        for index in 0.. {
            let mut desc = sys::v4l2_fmtdesc {
                index,
                type_: self.buf_type,
                ..Default::default()
            };
            // SAFETY: valid fd, properly sized struct.
            match unsafe { sys::vidioc_enum_fmt(self.file.as_raw_fd(), &mut desc) } {
                Ok(_) => formats.push((desc.pixelformat, c_string(&desc.description))),
                Err(Errno::EINVAL) => break,
                Err(errno) => return Err(self.ioctl_error("VIDIOC_ENUM_FMT")(errno)),
            }
            if index > 1024 {
                return Err(CaptureError::Driver {
                    path: self.path.clone(),
                    what: "an endless format list".into(),
                });
            }
        }
        Ok(formats)
    }

    /// A format's discrete frame sizes, or its one stepwise/continuous range.
    pub fn frame_sizes(&self, fourcc: u32) -> Vec<FrameSizes> {
        let mut sizes = Vec::new();
        for index in 0..256 {
            let mut e = sys::v4l2_frmsizeenum {
                index,
                pixel_format: fourcc,
                ..Default::default()
            };
            // SAFETY: valid fd, properly sized struct.
            if unsafe { sys::vidioc_enum_framesizes(self.file.as_raw_fd(), &mut e) }.is_err() {
                break;
            }
            if e.type_ == sys::V4L2_FRMSIZE_TYPE_DISCRETE {
                // SAFETY: the driver filled the discrete member, as type_ says.
                let d = unsafe { e.size.discrete };
                sizes.push(FrameSizes::Discrete(d.width, d.height));
            } else {
                // SAFETY: stepwise and continuous both fill the stepwise member.
                let s = unsafe { e.size.stepwise };
                sizes.push(FrameSizes::Range {
                    min: (s.min_width, s.min_height),
                    max: (s.max_width, s.max_height),
                    step: (s.step_width, s.step_height),
                });
                break;
            }
        }
        sizes
    }

    /// A format and size's discrete frame intervals (seconds as a fraction), or its range.
    pub fn frame_intervals(&self, fourcc: u32, width: u32, height: u32) -> Vec<FrameIntervals> {
        let mut intervals = Vec::new();
        for index in 0..256 {
            let mut e = sys::v4l2_frmivalenum {
                index,
                pixel_format: fourcc,
                width,
                height,
                ..Default::default()
            };
            // SAFETY: valid fd, properly sized struct.
            if unsafe { sys::vidioc_enum_frameintervals(self.file.as_raw_fd(), &mut e) }.is_err() {
                break;
            }
            if e.type_ == sys::V4L2_FRMIVAL_TYPE_DISCRETE {
                // SAFETY: the driver filled the discrete member, as type_ says.
                let f = unsafe { e.interval.discrete };
                intervals.push(FrameIntervals::Discrete(f.numerator, f.denominator));
            } else {
                // SAFETY: stepwise and continuous both fill the stepwise member.
                let s = unsafe { e.interval.stepwise };
                intervals.push(FrameIntervals::Range {
                    min: (s.min.numerator, s.min.denominator),
                    max: (s.max.numerator, s.max.denominator),
                });
                break;
            }
        }
        intervals
    }

    fn get_format(&self) -> Result<sys::v4l2_format, CaptureError> {
        let mut fmt = sys::v4l2_format {
            type_: self.buf_type,
            ..Default::default()
        };
        // SAFETY: valid fd, properly sized struct.
        unsafe { sys::vidioc_g_fmt(self.file.as_raw_fd(), &mut fmt) }
            .map_err(self.ioctl_error("VIDIOC_G_FMT"))?;
        Ok(fmt)
    }

    /// The driver's current pixel format.
    pub fn current_fourcc(&self) -> Result<u32, CaptureError> {
        let fmt = self.get_format()?;
        // SAFETY: G_FMT filled the member that matches buf_type.
        Ok(unsafe {
            if self.is_multiplanar() {
                fmt.fmt.pix_mp.pixelformat
            } else {
                fmt.fmt.pix.pixelformat
            }
        })
    }

    /// Sets format and size, and reads back what the driver really set.
    fn set_format(&self, request: FormatRequest) -> Result<DriverFormat, CaptureError> {
        let mut fmt = self.get_format()?;
        // SAFETY: G_FMT filled the member that matches buf_type; we only change fields of it.
        unsafe {
            if self.is_multiplanar() {
                let pix = &mut fmt.fmt.pix_mp;
                if let Some(fourcc) = request.fourcc {
                    pix.pixelformat = fourcc;
                }
                if let Some((w, h)) = request.size {
                    (pix.width, pix.height) = (w, h);
                }
                pix.field = sys::V4L2_FIELD_NONE;
            } else {
                let pix = &mut fmt.fmt.pix;
                if let Some(fourcc) = request.fourcc {
                    pix.pixelformat = fourcc;
                }
                if let Some((w, h)) = request.size {
                    (pix.width, pix.height) = (w, h);
                }
                pix.field = sys::V4L2_FIELD_NONE;
                // Let the driver choose its own stride.
                pix.bytesperline = 0;
            }
        }
        // SAFETY: valid fd, properly sized struct.
        unsafe { sys::vidioc_s_fmt(self.file.as_raw_fd(), &mut fmt) }
            .map_err(self.ioctl_error("VIDIOC_S_FMT"))?;
        let set = self.read_format(&fmt)?;
        let (width, height) = (set.width, set.height);
        if let Some(wanted) = request.fourcc {
            if wanted != set.fourcc {
                return Err(CaptureError::FormatRefused {
                    path: self.path.clone(),
                    wanted: fourcc_name(wanted),
                    got: fourcc_name(set.fourcc),
                });
            }
        }
        if let Some((w, h)) = request.size {
            if (w, h) != (width, height) {
                tracing::warn!(
                    "{} adjusted the size from {w}x{h} to {width}x{height}",
                    self.path.display()
                );
            }
        }
        Ok(set)
    }

    /// Sets format, size and frame rate, and reads back what the driver really set.
    pub fn configure(&self, request: FormatRequest) -> Result<StreamFormat, CaptureError> {
        let DriverFormat {
            fourcc,
            width,
            height,
            planes: mem_planes,
            colorimetry,
        } = self.set_format(request)?;
        let pixel = PixelFormat::from_v4l2(fourcc).ok_or_else(|| CaptureError::NoDirectFormat {
            path: self.path.clone(),
            available: fourcc_name(fourcc),
            display: "no mapping to a DRM format".into(),
        })?;
        let layout =
            pixel
                .layout(width, height, &mem_planes)
                .map_err(|source| CaptureError::Layout {
                    path: self.path.clone(),
                    source,
                })?;
        let interval = self.set_frame_rate(request.fps, (fourcc, width, height))?;
        Ok(StreamFormat {
            pixel,
            width,
            height,
            mem_planes,
            layout,
            interval,
            colorimetry,
        })
    }

    /// Asks for rows of `pitches` bytes, one per memory plane (import mode: buffers the
    /// display made with its own alignment), all else of `format` kept; what the driver set.
    pub fn with_row_lengths(
        &self,
        format: &StreamFormat,
        pitches: &[u32],
    ) -> Result<StreamFormat, CaptureError> {
        let mut fmt = self.get_format()?;
        // SAFETY: G_FMT filled the member that matches buf_type; only the strides change.
        // The structs are packed: fields are copied out and back, never borrowed.
        unsafe {
            if self.is_multiplanar() {
                let mut planes = fmt.fmt.pix_mp.plane_fmt;
                for (plane, &pitch) in planes.iter_mut().zip(pitches) {
                    plane.bytesperline = pitch;
                }
                fmt.fmt.pix_mp.plane_fmt = planes;
            } else if let Some(&pitch) = pitches.first() {
                fmt.fmt.pix.bytesperline = pitch;
            }
        }
        // SAFETY: valid fd, properly sized struct.
        unsafe { sys::vidioc_s_fmt(self.file.as_raw_fd(), &mut fmt) }
            .map_err(self.ioctl_error("VIDIOC_S_FMT"))?;
        let set = self.read_format(&fmt)?;
        if set.fourcc != format.pixel.v4l2
            || (set.width, set.height) != (format.width, format.height)
        {
            return Err(CaptureError::Driver {
                path: self.path.clone(),
                what: "another format when asked for other row lengths".into(),
            });
        }
        let layout = format
            .pixel
            .layout(set.width, set.height, &set.planes)
            .map_err(|source| CaptureError::Layout {
                path: self.path.clone(),
                source,
            })?;
        Ok(StreamFormat {
            mem_planes: set.planes,
            layout,
            colorimetry: set.colorimetry,
            ..format.clone()
        })
    }

    /// Sets a compressed format (MJPEG), its size and frame rate: the frames' size, the
    /// driver's (bytesperline, sizeimage) per memory plane and the frame interval.
    pub fn configure_compressed(
        &self,
        request: FormatRequest,
    ) -> Result<CompressedFormat, CaptureError> {
        let set = self.set_format(request)?;
        if set.planes.len() != 1 || set.planes[0].1 == 0 {
            return Err(CaptureError::Driver {
                path: self.path.clone(),
                what: format!(
                    "{} memory planes for {} (sizes {:?}); a compressed frame needs one",
                    set.planes.len(),
                    fourcc_name(set.fourcc),
                    set.planes
                ),
            });
        }
        Ok(CompressedFormat {
            width: set.width,
            height: set.height,
            mem_planes: set.planes,
            interval: self.set_frame_rate(request.fps, (set.fourcc, set.width, set.height))?,
        })
    }

    /// Reads fourcc, size and per-plane (bytesperline, sizeimage) out of a format,
    /// refusing numbers no real frame could have.
    fn read_format(&self, fmt: &sys::v4l2_format) -> Result<DriverFormat, CaptureError> {
        let bad = |what: String| CaptureError::Driver {
            path: self.path.clone(),
            what,
        };
        // SAFETY: S_FMT filled the member that matches buf_type.
        let (fourcc, width, height, planes, colorimetry) = unsafe {
            if self.is_multiplanar() {
                let pix = fmt.fmt.pix_mp;
                let count = usize::from(pix.num_planes);
                if count == 0 || count > sys::VIDEO_MAX_PLANES {
                    return Err(bad(format!("{count} planes")));
                }
                let plane_fmt = pix.plane_fmt;
                let planes = plane_fmt[..count]
                    .iter()
                    .map(|p| (p.bytesperline, p.sizeimage))
                    .collect();
                let colorimetry = Colorimetry::from_v4l2(
                    pix.colorspace,
                    u32::from(pix.ycbcr_enc),
                    u32::from(pix.quantization),
                );
                (pix.pixelformat, pix.width, pix.height, planes, colorimetry)
            } else {
                let pix = fmt.fmt.pix;
                (
                    pix.pixelformat,
                    pix.width,
                    pix.height,
                    vec![(pix.bytesperline, pix.sizeimage)],
                    Colorimetry::from_v4l2(pix.colorspace, pix.ycbcr_enc, pix.quantization),
                )
            }
        };
        if width == 0 || height == 0 {
            return Err(bad(format!("a {width}x{height} frame size")));
        }
        Ok(DriverFormat {
            fourcc,
            width,
            height,
            planes,
            colorimetry,
        })
    }

    /// Sets the frame rate: `fps` where asked, else the highest the camera offers for this
    /// format and size (drivers start at whatever they last had, vivid at 5 fps); what the
    /// driver set, as a frame interval.
    fn set_frame_rate(
        &self,
        fps: Option<u32>,
        (fourcc, width, height): (u32, u32, u32),
    ) -> Result<Option<(u32, u32)>, CaptureError> {
        let mut parm = sys::v4l2_streamparm {
            type_: self.buf_type,
            ..Default::default()
        };
        // SAFETY: valid fd, properly sized struct.
        if unsafe { sys::vidioc_g_parm(self.file.as_raw_fd(), &mut parm) }.is_err() {
            return Ok(None);
        }
        // SAFETY: G_PARM on a capture type fills the capture member.
        let capture = unsafe { parm.parm.capture };
        let wanted = match fps {
            Some(fps) => Some((1, fps)),
            None => self.fastest_interval(fourcc, width, height),
        };
        let settable = capture.capability & sys::V4L2_CAP_TIMEPERFRAME != 0;
        if fps.is_some() && !settable {
            tracing::warn!("{} cannot set its frame rate", self.path.display());
        }
        let Some((numerator, denominator)) = wanted.filter(|_| settable) else {
            let t = capture.timeperframe;
            return Ok(
                (t.numerator != 0 && t.denominator != 0).then_some((t.numerator, t.denominator))
            );
        };
        let mut set = parm;
        set.parm.capture.timeperframe = sys::v4l2_fract {
            numerator,
            denominator,
        };
        // SAFETY: valid fd, properly sized struct.
        unsafe { sys::vidioc_s_parm(self.file.as_raw_fd(), &mut set) }
            .map_err(self.ioctl_error("VIDIOC_S_PARM"))?;
        // SAFETY: S_PARM fills the capture member back.
        let got = unsafe { set.parm.capture.timeperframe };
        let same = u64::from(got.numerator) * u64::from(denominator)
            == u64::from(numerator) * u64::from(got.denominator);
        if let (Some(fps), false) = (fps, same) {
            tracing::warn!(
                "{} was asked for {fps} fps and set {}/{} s per frame",
                self.path.display(),
                got.numerator,
                got.denominator
            );
        }
        Ok(Some((got.numerator, got.denominator)))
    }

    /// The shortest frame interval (highest rate) the camera lists for this format and
    /// size; None where it lists none.
    fn fastest_interval(&self, fourcc: u32, width: u32, height: u32) -> Option<(u32, u32)> {
        let seconds = |&(n, d): &(u32, u32)| f64::from(n) / f64::from(d);
        self.frame_intervals(fourcc, width, height)
            .into_iter()
            .map(|interval| match interval {
                FrameIntervals::Discrete(n, d) => (n, d),
                FrameIntervals::Range { min, .. } => min,
            })
            .filter(|&(n, d)| n > 0 && d > 0)
            .min_by(|a, b| seconds(a).total_cmp(&seconds(b)))
    }
}

/// A compressed format as the driver set it.
#[derive(Debug, Clone)]
pub struct CompressedFormat {
    pub width: u32,
    pub height: u32,
    /// (bytesperline, sizeimage): sizeimage bounds a compressed frame.
    pub mem_planes: Vec<(u32, u32)>,
    pub interval: Option<(u32, u32)>,
}

/// A format as S_FMT returned it: (bytesperline, sizeimage) per memory plane.
struct DriverFormat {
    fourcc: u32,
    width: u32,
    height: u32,
    planes: Vec<(u32, u32)>,
    colorimetry: Colorimetry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSizes {
    Discrete(u32, u32),
    Range {
        min: (u32, u32),
        max: (u32, u32),
        step: (u32, u32),
    },
}

impl FrameSizes {
    pub fn contains(&self, width: u32, height: u32) -> bool {
        match *self {
            FrameSizes::Discrete(w, h) => (w, h) == (width, height),
            FrameSizes::Range { min, max, step } => {
                let fits = |v: u32, lo: u32, hi: u32, st: u32| {
                    (lo..=hi).contains(&v) && (st <= 1 || (v - lo).is_multiple_of(st))
                };
                fits(width, min.0, max.0, step.0) && fits(height, min.1, max.1, step.1)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameIntervals {
    Discrete(u32, u32),
    Range { min: (u32, u32), max: (u32, u32) },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stepwise_sizes_respect_the_step() {
        let range = FrameSizes::Range {
            min: (16, 16),
            max: (1920, 1080),
            step: (16, 8),
        };
        assert!(range.contains(640, 480));
        assert!(!range.contains(641, 480));
        assert!(!range.contains(2048, 480));
        assert!(FrameSizes::Discrete(640, 480).contains(640, 480));
        assert!(!FrameSizes::Discrete(640, 480).contains(640, 360));
    }

    #[test]
    fn the_frame_interval_is_the_drivers_fraction_and_names_the_rate() {
        let at = |interval| StreamFormat {
            pixel: PixelFormat::xrgb8888(),
            width: 640,
            height: 480,
            mem_planes: vec![(2560, 640 * 480 * 4)],
            layout: Vec::new(),
            interval,
            colorimetry: Colorimetry::from_v4l2(0, 0, 0),
        };
        let ntsc = at(Some((1001, 30000)));
        assert_eq!(
            ntsc.frame_interval(),
            Some(Duration::from_nanos(33_366_666))
        );
        assert_eq!(ntsc.describe(), "BGR4 640x480 at 29.97 fps");
        // A driver that reports no interval, or a zero in it, has no rate to name.
        for none in [None, Some((0, 30)), Some((1, 0))] {
            assert_eq!(at(none).frame_interval(), None, "{none:?}");
            assert_eq!(at(none).describe(), "BGR4 640x480", "{none:?}");
        }
    }
}
