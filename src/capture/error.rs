//! Everything that can go wrong between glasscam and a V4L2 camera.

use std::path::PathBuf;

use nix::errno::Errno;

use crate::format::LayoutError;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The device node could not be opened.
    #[error("cannot open {path}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The node answered VIDIOC_QUERYCAP with an error: it is no V4L2 device.
    #[error("{path} is not a V4L2 device ({errno})")]
    NotV4l2 { path: PathBuf, errno: Errno },
    /// A V4L2 device that cannot stream video capture.
    #[error("{path} ({card}) cannot be used: {why}")]
    Unsuitable {
        path: PathBuf,
        card: String,
        why: String,
    },
    /// The camera does not offer the format asked for.
    #[error("{path} has no format {wanted} (it has: {available})")]
    NoSuchFormat {
        path: PathBuf,
        wanted: String,
        available: String,
    },
    /// None of the camera's formats can be shown without conversion.
    #[error("none of the formats of {path} ({available}) can be shown directly (the display takes: {display})")]
    NoDirectFormat {
        path: PathBuf,
        available: String,
        display: String,
    },
    /// The driver set a format other than the one it was asked for.
    #[error("{path} was asked for {wanted} and set {got} instead")]
    FormatRefused {
        path: PathBuf,
        wanted: String,
        got: String,
    },
    /// The driver's buffer layout does not hold together.
    #[error("{path} reported an unusable buffer layout")]
    Layout { path: PathBuf, source: LayoutError },
    /// The driver handed back something it should not have.
    #[error("{path}: driver returned {what}")]
    Driver { path: PathBuf, what: String },
    /// The buffers for decoded frames cannot take them as the decoder writes them.
    #[error("{path}: cannot decode into {what}")]
    DecodeTarget { path: PathBuf, what: String },
    /// An --input file that is no usable MJPEG stream, or a frame in it that fails to decode.
    #[error("{path}: {what}")]
    BadInput { path: PathBuf, what: String },
    /// The display's allocator gave no buffer to decode frames into.
    #[error("{path}: cannot allocate a buffer for decoded frames")]
    DecodeAllocation {
        path: PathBuf,
        source: crate::dmabuf::AllocError,
    },
    /// A buffer the decoder reads or writes could not be mapped for the CPU.
    #[error("{path}: cannot map {what} for the MJPEG decoder: {errno}")]
    DecodeMap {
        path: PathBuf,
        what: &'static str,
        errno: Errno,
    },
    /// The timer that paces a file's frames could not be created, armed or read.
    #[error("{path}: cannot {action} the frame timer: {errno}")]
    FrameTimer {
        path: PathBuf,
        action: &'static str,
        errno: Errno,
    },
    /// The driver gave fewer buffers than the pipeline needs.
    #[error("{path} gave {got} buffers, glasscam needs at least {needed}")]
    TooFewBuffers {
        path: PathBuf,
        got: u32,
        needed: u32,
    },
    /// Buffers the display made cannot hold the camera's frames (import mode).
    #[error("{path} cannot write into the display's buffers: {why}")]
    DisplayMemory { path: PathBuf, why: String },
    /// The camera went away while streaming.
    #[error("{path} was disconnected")]
    Disconnected { path: PathBuf },
    /// The camera stopped delivering frames.
    #[error("{path} delivered no frame for {seconds} s")]
    Stalled { path: PathBuf, seconds: u64 },
    /// Another process streams from the camera or holds its buffers.
    #[error("{path} is in use by another process ({what}: {errno})")]
    Busy {
        path: PathBuf,
        what: &'static str,
        errno: Errno,
    },
    /// The process may not open another file: the buffer pool needs one fd per plane.
    #[error(
        "{path}: {what} ran out of file descriptors (ulimit -n is {limit}; glasscam needs \
         one per camera buffer plane and a few more)"
    )]
    FdLimit {
        path: PathBuf,
        what: &'static str,
        limit: u64,
    },
    /// The driver put the stream into an error state (VIDIOC_DQBUF or QBUF gave EIO).
    #[error("{path} stopped streaming with an error ({what}: {errno})")]
    StreamFailed {
        path: PathBuf,
        what: &'static str,
        errno: Errno,
    },
    /// A V4L2 ioctl failed.
    #[error("{path}: {what} failed: {errno}")]
    Ioctl {
        path: PathBuf,
        what: &'static str,
        errno: Errno,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As main prints it: the variant's line, then its source's.
    fn line(error: CaptureError) -> String {
        format!("{:#}", anyhow::Error::from(error))
    }

    #[test]
    fn allocation_and_timer_failures_name_their_cause_once() {
        let path = PathBuf::from("clip.mjpeg");
        assert_eq!(
            line(CaptureError::DecodeAllocation {
                path: path.clone(),
                source: std::io::Error::from_raw_os_error(libc::EACCES).into(),
            }),
            "clip.mjpeg: cannot allocate a buffer for decoded frames: Permission denied (os error 13)"
        );
        assert_eq!(
            line(CaptureError::FrameTimer {
                path,
                action: "arm",
                errno: Errno::EINVAL,
            }),
            "clip.mjpeg: cannot arm the frame timer: EINVAL: Invalid argument"
        );
    }
}
