//! Memory from the kernel's system dma-heap: root-only on stock systems, so the last
//! choice for the Wayland gpu rung's render targets.

use std::fs::OpenOptions;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const SYSTEM_HEAP: &str = "/dev/dma_heap/system";

/// struct dma_heap_allocation_data from linux/dma-heap.h.
#[repr(C)]
struct AllocationData {
    len: u64,
    fd: u32,
    fd_flags: u32,
    heap_flags: u64,
}
nix::ioctl_readwrite!(dma_heap_alloc, b'H', 0, AllocationData);

/// A dmabuf of `len` bytes, readable and writable.
pub fn allocate(len: usize) -> std::io::Result<OwnedFd> {
    let heap = OpenOptions::new()
        .read(true)
        .write(true)
        .open(SYSTEM_HEAP)?;
    let mut data = AllocationData {
        len: len as u64,
        fd: 0,
        fd_flags: (libc::O_RDWR | libc::O_CLOEXEC) as u32,
        heap_flags: 0,
    };
    // SAFETY: a dma-heap fd and a properly sized struct.
    unsafe { dma_heap_alloc(heap.as_raw_fd(), &mut data) }.map_err(std::io::Error::from)?;
    // SAFETY: the ioctl just created this fd and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(data.fd as i32) })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_allocation_struct_matches_the_kernel() {
        // DMA_HEAP_IOCTL_ALLOC is _IOWR('H', 0, struct dma_heap_allocation_data), 24 bytes.
        assert_eq!(std::mem::size_of::<super::AllocationData>(), 24);
        assert_eq!(
            nix::request_code_readwrite!(b'H', 0, 24) as u32,
            0xc018_4800
        );
    }
}
