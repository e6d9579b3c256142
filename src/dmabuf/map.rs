//! CPU mappings of dmabufs: the copy rung reads camera buffers, the MJPEG decoder reads
//! compressed frames and writes decoded ones. Every access is bracketed by
//! DMA_BUF_IOCTL_SYNC, so exporters that need cache maintenance get it.

use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;

use nix::errno::Errno;
use nix::sys::mman::{mmap, munmap, MapFlags, ProtFlags};

/// struct dma_buf_sync and DMA_BUF_IOCTL_SYNC from linux/dma-buf.h.
#[repr(C)]
struct DmaBufSync {
    flags: u64,
}
const DMA_BUF_SYNC_READ: u64 = 1;
const DMA_BUF_SYNC_WRITE: u64 = 2;
const DMA_BUF_SYNC_START: u64 = 0;
const DMA_BUF_SYNC_END: u64 = 4;
nix::ioctl_write_ptr!(dma_buf_ioctl_sync, b'b', 0, DmaBufSync);

pub struct DmabufMap {
    fd: OwnedFd,
    ptr: NonNull<std::ffi::c_void>,
    len: usize,
}

impl DmabufMap {
    /// Maps the first `len` bytes of a dmabuf for reading.
    pub fn read_only(fd: BorrowedFd<'_>, len: usize) -> Result<DmabufMap, Errno> {
        DmabufMap::new(fd, len, false)
    }

    fn new(fd: BorrowedFd<'_>, len: usize, writable: bool) -> Result<DmabufMap, Errno> {
        let length = NonZeroUsize::new(len).ok_or(Errno::EINVAL)?;
        // The mapping keeps its own fd for the sync ioctls, whoever closes theirs.
        let fd = fd
            .try_clone_to_owned()
            .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?;
        let prot = if writable {
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE
        } else {
            ProtFlags::PROT_READ
        };
        // SAFETY: a fresh shared mapping of a dmabuf; this struct hands out its bytes only
        // through `&self` (shared) or `&mut self` (exclusive) borrows.
        let ptr = unsafe { mmap(None, length, prot, MapFlags::MAP_SHARED, &fd, 0) }?;
        Ok(DmabufMap { fd, ptr, len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    fn sync(&self, flags: u64) {
        let sync = DmaBufSync { flags };
        // Best effort: exporters that need no cache maintenance may not implement it.
        // SAFETY: a dmabuf fd and a properly sized struct.
        let _ = unsafe { dma_buf_ioctl_sync(self.fd.as_raw_fd(), &sync) };
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: a live mapping of `len` bytes, unmapped only in Drop.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr() as *const u8, self.len) }
    }

    /// Runs `f` on the mapped bytes inside a read sync.
    pub fn read<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        read_all(std::slice::from_ref(self), |planes| f(planes[0]))
    }
}

/// A dmabuf mapped for writing (and reading).
pub struct WritableDmabufMap(DmabufMap);

impl WritableDmabufMap {
    /// Maps the first `len` bytes of a dmabuf for reading and writing.
    pub fn new(fd: BorrowedFd<'_>, len: usize) -> Result<WritableDmabufMap, Errno> {
        DmabufMap::new(fd, len, true).map(WritableDmabufMap)
    }

    /// Runs `f` on the mapped bytes inside a write sync.
    pub fn write<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        let map = &self.0;
        map.sync(DMA_BUF_SYNC_WRITE | DMA_BUF_SYNC_START);
        // SAFETY: a live read-write mapping of `len` bytes, borrowed exclusively here.
        let bytes = unsafe { std::slice::from_raw_parts_mut(map.ptr.as_ptr() as *mut u8, map.len) };
        let result = f(bytes);
        map.sync(DMA_BUF_SYNC_WRITE | DMA_BUF_SYNC_END);
        result
    }
}

/// Runs `f` on several mappings at once (the planes of one buffer) inside a read sync.
pub fn read_all<R>(maps: &[DmabufMap], f: impl FnOnce(&[&[u8]]) -> R) -> R {
    maps.iter()
        .for_each(|m| m.sync(DMA_BUF_SYNC_READ | DMA_BUF_SYNC_START));
    let planes: Vec<&[u8]> = maps.iter().map(DmabufMap::bytes).collect();
    let result = f(&planes);
    maps.iter()
        .for_each(|m| m.sync(DMA_BUF_SYNC_READ | DMA_BUF_SYNC_END));
    result
}

impl Drop for DmabufMap {
    fn drop(&mut self) {
        // SAFETY: mapped by mmap with this length and not used after.
        let _ = unsafe { munmap(self.ptr, self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn the_sync_ioctl_number_matches_the_kernel() {
        // DMA_BUF_IOCTL_SYNC is _IOW('b', 0, struct dma_buf_sync), 8 bytes.
        assert_eq!(std::mem::size_of::<DmaBufSync>(), 8);
        assert_eq!(nix::request_code_write!(b'b', 0, 8) as u32, 0x4008_6200);
    }

    #[test]
    fn writes_show_in_reads() {
        // A memfd stands in for a dmabuf: mmap behaves the same, the sync ioctl fails
        // harmlessly (ENOTTY), which is the best-effort path.
        use nix::sys::memfd::{memfd_create, MemFdCreateFlag};
        let fd = memfd_create(c"glasscam-test", MemFdCreateFlag::empty()).unwrap();
        nix::unistd::ftruncate(&fd, 4096).unwrap();
        let mut rw = WritableDmabufMap::new(fd.as_fd(), 4096).unwrap();
        rw.write(|b| b[..3].copy_from_slice(b"abc"));
        let ro = DmabufMap::read_only(fd.as_fd(), 4096).unwrap();
        assert_eq!(ro.read(|b| b[..3].to_vec()), b"abc");
        assert_eq!(
            DmabufMap::read_only(fd.as_fd(), 0).err(),
            Some(Errno::EINVAL)
        );
    }
}
