//! GBM devices on DRM nodes: where display buffers come from on the display's own device,
//! the card's for KMS, the compositor's main device for Wayland.

use std::fs::OpenOptions;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ::gbm::{BufferObject, BufferObjectFlags};

use super::GbmDevice;

/// A GBM device on `fd`. Mesa's loader warns on stderr when it has no driver for the device
/// (cirrus, simpledrm) and falls back to software; glasscam says what that means itself.
pub fn device_on(fd: OwnedFd) -> std::io::Result<GbmDevice> {
    let _quiet = StderrSilenced::new();
    ::gbm::Device::new(fd)
}

/// A GBM device on the DRM node at `path`, opened read-write.
pub fn open_node(path: &Path) -> std::io::Result<GbmDevice> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)?;
    device_on(file.into())
}

/// The /dev node of DRM device number `device` (from linux-dmabuf feedback's main_device),
/// read from sysfs.
pub fn node_path(device: u64) -> Option<PathBuf> {
    let (major, minor) = (libc::major(device), libc::minor(device));
    let uevent = std::fs::read_to_string(format!("/sys/dev/char/{major}:{minor}/uevent")).ok()?;
    let name = uevent.lines().find_map(|l| l.strip_prefix("DEVNAME="))?;
    Some(Path::new("/dev").join(name))
}

/// Whether a GPU is behind DRM device `device`: it is a render node, or a card that has
/// one. Display-only drivers (cirrus, simpledrm, ast) have none, and Mesa's GBM on them is
/// a software rasterizer.
pub fn has_render_node(device: u64) -> bool {
    let (major, minor) = (libc::major(device), libc::minor(device));
    std::fs::read_dir(format!("/sys/dev/char/{major}:{minor}/device/drm")).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// An XRGB8888 buffer object of `size` with `usage`, in one of `modifiers` where GBM can
/// make one, else LINEAR (drivers without modifier support, Mesa's kms_swrast among them,
/// take the flag alone).
pub fn xrgb_buffer(
    device: &GbmDevice,
    (width, height): (u32, u32),
    usage: BufferObjectFlags,
    modifiers: &[u64],
) -> std::io::Result<BufferObject<()>> {
    let format = drm_fourcc::DrmFourcc::Xrgb8888;
    if !modifiers.is_empty() {
        let listed = modifiers.iter().map(|&m| ::gbm::Modifier::from(m));
        if let Ok(bo) =
            device.create_buffer_object_with_modifiers2(width, height, format, listed, usage)
        {
            return Ok(bo);
        }
    }
    device.create_buffer_object(width, height, format, usage | BufferObjectFlags::LINEAR)
}

/// `count` buffers the camera writes into (import mode), one LINEAR buffer object per memory
/// plane of (bytes per row, bytes): rows of single bytes (R8), so any camera format fits.
/// Rows may come out longer (the device's alignment): each buffer says how long.
pub fn camera_buffers(
    device: &GbmDevice,
    planes: &[(u32, u32)],
    count: usize,
    usage: BufferObjectFlags,
) -> std::io::Result<Vec<Vec<super::FrameMemory>>> {
    let plane = |&(pitch, size): &(u32, u32)| {
        let rows = size.div_ceil(pitch.max(1));
        let format = drm_fourcc::DrmFourcc::R8;
        let bo = device.create_buffer_object::<()>(
            pitch,
            rows,
            format,
            usage | BufferObjectFlags::LINEAR,
        )?;
        Ok(super::FrameMemory {
            fd: export(device, &bo)?,
            pitch: bo.stride(),
            len: bo.stride() * rows,
            modifier: crate::format::MODIFIER_LINEAR,
        })
    };
    (0..count)
        .map(|_| planes.iter().map(plane).collect())
        .collect()
}

/// How errors name DRM device number `device`: its node, else its numbers.
pub fn node_name(device: u64) -> String {
    node_path(device).map_or_else(
        || format!("device {}:{}", libc::major(device), libc::minor(device)),
        |path| path.display().to_string(),
    )
}

/// A buffer object's memory as a dmabuf, read-write (a read-only export crashed llvmpipe
/// in weston), close-on-exec.
pub fn export(device: &GbmDevice, bo: &BufferObject<()>) -> std::io::Result<OwnedFd> {
    let flags = (libc::O_RDWR | libc::O_CLOEXEC) as u32;
    // SAFETY: the handle names a live buffer object of this device.
    let raw = unsafe { bo.handle().u32_ };
    let fd = drm_ffi::gem::handle_to_fd(device.as_fd(), raw, flags)?;
    // SAFETY: PRIME_HANDLE_TO_FD returned a new descriptor that nothing else owns.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(fd.fd) })
}

/// stderr pointed at /dev/null until dropped.
struct StderrSilenced(Option<OwnedFd>);

impl StderrSilenced {
    fn new() -> StderrSilenced {
        let saved = std::io::stderr().as_fd().try_clone_to_owned().ok();
        let null = OpenOptions::new().write(true).open("/dev/null");
        if let (Some(_), Ok(null)) = (&saved, null) {
            // SAFETY: both descriptors are open; fd 2 is restored in drop.
            unsafe { libc::dup2(null.as_raw_fd(), libc::STDERR_FILENO) };
        }
        StderrSilenced(saved)
    }
}

impl Drop for StderrSilenced {
    fn drop(&mut self) {
        if let Some(saved) = self.0.take() {
            // SAFETY: `saved` is a live duplicate of the original stderr.
            unsafe { libc::dup2(saved.as_raw_fd(), libc::STDERR_FILENO) };
        }
    }
}
