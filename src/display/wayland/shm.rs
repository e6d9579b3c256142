//! wl_shm buffers the CPU writes: one memfd, mapped once, cut into equal buffers.

use std::num::NonZeroUsize;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;

use nix::sys::memfd::{memfd_create, MemFdCreateFlag};
use nix::sys::mman::{mmap, munmap, MapFlags, ProtFlags};
use wayland_client::protocol::{wl_buffer, wl_shm, wl_shm_pool};
use wayland_client::{Connection, Dispatch, QueueHandle};

use super::error::WaylandError;
use super::state::WaylandState;
use crate::display::{BufferId, DisplayEvent};

/// The memfd behind the buffers, mapped read-write.
pub struct ShmPool {
    _fd: OwnedFd,
    ptr: NonNull<std::ffi::c_void>,
    len: usize,
    /// Each buffer's id and byte offset in the pool.
    slots: Vec<(BufferId, usize)>,
    buffer_len: usize,
    pitch: usize,
}

fn shm_error(what: &'static str) -> impl FnOnce(nix::Error) -> WaylandError {
    move |errno| WaylandError::Shm { what, errno }
}

impl ShmPool {
    /// `ids.len()` XRGB8888 buffers of `size`, each wrapped in a wl_buffer whose release
    /// reports its id.
    pub fn new(
        shm: &wl_shm::WlShm,
        ids: &[BufferId],
        (width, height): (u32, u32),
        qh: &QueueHandle<WaylandState>,
    ) -> Result<(ShmPool, Vec<wl_buffer::WlBuffer>), WaylandError> {
        let pitch = width as usize * 4;
        let buffer_len = pitch * height as usize;
        let len = buffer_len * ids.len();
        let fd = memfd(len)?;
        let length = NonZeroUsize::new(len).ok_or(WaylandError::Shm {
            what: "sizing the shared memory",
            errno: nix::Error::EINVAL,
        })?;
        let protection = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        // SAFETY: a fresh memfd of `len` bytes, mapped shared; unmapped once, in Drop.
        let ptr = unsafe { mmap(None, length, protection, MapFlags::MAP_SHARED, &fd, 0) }
            .map_err(shm_error("mapping the shared memory"))?;
        let pool = shm.create_pool(fd.as_fd(), len as i32, qh, ());
        let mut slots = Vec::with_capacity(ids.len());
        let mut buffers = Vec::with_capacity(ids.len());
        for (n, &id) in ids.iter().enumerate() {
            let offset = n * buffer_len;
            let format = wl_shm::Format::Xrgb8888;
            let (w, h) = (width as i32, height as i32);
            buffers.push(pool.create_buffer(offset as i32, w, h, w * 4, format, qh, id));
            slots.push((id, offset));
        }
        pool.destroy();
        let pool = ShmPool {
            _fd: fd,
            ptr,
            len,
            slots,
            buffer_len,
            pitch,
        };
        Ok((pool, buffers))
    }

    /// Buffer `id`'s pixels and row pitch, if it is one of these.
    pub fn pixels(&mut self, id: BufferId) -> Option<(&mut [u8], usize)> {
        let &(_, offset) = self.slots.iter().find(|(slot, _)| *slot == id)?;
        // SAFETY: the mapping is live and `len` long; each slot lies inside it, and the
        // borrow of self keeps it from being lent twice.
        let all =
            unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().cast::<u8>(), self.len) };
        Some((&mut all[offset..offset + self.buffer_len], self.pitch))
    }
}

/// `len` bytes of shared memory, zeroed.
pub fn memfd(len: usize) -> Result<OwnedFd, WaylandError> {
    let fd = memfd_create(c"glasscam-frames", MemFdCreateFlag::MFD_CLOEXEC)
        .map_err(shm_error("creating the shared memory"))?;
    nix::unistd::ftruncate(&fd, len as i64).map_err(shm_error("sizing the shared memory"))?;
    Ok(fd)
}

/// A wl_buffer over one XRGB8888 frame in `fd`, whose release reports `id`.
pub fn import(
    shm: &wl_shm::WlShm,
    fd: BorrowedFd<'_>,
    (width, height): (u32, u32),
    pitch: u32,
    id: BufferId,
    qh: &QueueHandle<WaylandState>,
) -> wl_buffer::WlBuffer {
    let len = pitch as i32 * height as i32;
    let pool = shm.create_pool(fd, len, qh, ());
    let format = wl_shm::Format::Xrgb8888;
    let buffer = pool.create_buffer(0, width as i32, height as i32, pitch as i32, format, qh, id);
    pool.destroy();
    buffer
}

impl Drop for ShmPool {
    fn drop(&mut self) {
        // SAFETY: mapped in new with this length, unmapped only here.
        let _ = unsafe { munmap(self.ptr, self.len) };
    }
}

/// The user data of a frame wl_shm buffer is its id: its release frees the slot.
impl Dispatch<wl_buffer::WlBuffer, BufferId> for WaylandState {
    fn event(
        state: &mut WaylandState,
        _: &wl_buffer::WlBuffer,
        event: wl_buffer::Event,
        id: &BufferId,
        _: &Connection,
        _: &QueueHandle<WaylandState>,
    ) {
        if let wl_buffer::Event::Release = event {
            state.events.push(DisplayEvent::Released(*id));
        }
    }
}

wayland_client::delegate_noop!(WaylandState: ignore wl_shm_pool::WlShmPool);
