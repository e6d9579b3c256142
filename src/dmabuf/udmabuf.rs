//! Dmabufs made of ordinary memory: a sealed memfd handed to /dev/udmabuf. Memory charged to
//! the user like any other; the device is open to the desktop session from systemd 257 on
//! (uaccess), to group kvm before.

use std::fs::OpenOptions;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use nix::fcntl::{fcntl, FcntlArg, SealFlag};
use nix::sys::memfd::{memfd_create, MemFdCreateFlag};

const UDMABUF: &str = "/dev/udmabuf";
/// UDMABUF_FLAGS_CLOEXEC.
const FLAGS_CLOEXEC: u32 = 1;

/// struct udmabuf_create from linux/udmabuf.h.
#[repr(C)]
struct Create {
    memfd: u32,
    flags: u32,
    offset: u64,
    size: u64,
}
nix::ioctl_write_ptr!(udmabuf_create, b'u', 0x42, Create);

/// A dmabuf of at least `len` bytes (rounded up to whole pages), readable and writable.
pub fn allocate(len: usize) -> std::io::Result<OwnedFd> {
    let device = OpenOptions::new().read(true).write(true).open(UDMABUF)?;
    // SAFETY: sysconf has no preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    let size = len.div_ceil(page) * page;
    let flags = MemFdCreateFlag::MFD_CLOEXEC | MemFdCreateFlag::MFD_ALLOW_SEALING;
    let memfd = memfd_create(c"glasscam-frame", flags)?;
    nix::unistd::ftruncate(&memfd, size as i64)?;
    // udmabuf takes only memfds that can no longer shrink under it.
    fcntl(
        memfd.as_raw_fd(),
        FcntlArg::F_ADD_SEALS(SealFlag::F_SEAL_SHRINK),
    )?;
    let request = Create {
        memfd: memfd.as_raw_fd() as u32,
        flags: FLAGS_CLOEXEC,
        offset: 0,
        size: size as u64,
    };
    // SAFETY: a udmabuf fd and a properly sized struct.
    let fd = unsafe { udmabuf_create(device.as_raw_fd(), &request) }?;
    // SAFETY: the ioctl returned a new dmabuf fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `count` buffers the camera writes into (import mode), one udmabuf per memory plane of
/// (bytes per row, bytes).
pub fn camera_buffers(
    planes: &[(u32, u32)],
    count: usize,
) -> std::io::Result<Vec<Vec<super::FrameMemory>>> {
    let plane = |&(pitch, size): &(u32, u32)| {
        Ok(super::FrameMemory {
            fd: allocate(size as usize)?,
            pitch,
            len: size,
            modifier: crate::format::MODIFIER_LINEAR,
        })
    };
    (0..count)
        .map(|_| planes.iter().map(plane).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_create_struct_matches_the_kernel() {
        // UDMABUF_CREATE is _IOW('u', 0x42, struct udmabuf_create), 24 bytes.
        assert_eq!(std::mem::size_of::<super::Create>(), 24);
        assert_eq!(nix::request_code_write!(b'u', 0x42, 24) as u32, 0x4018_7542);
    }
}
