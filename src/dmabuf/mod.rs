//! Memory frames live in: CPU mappings with the kernel's sync brackets, and the allocators
//! glasscam takes buffers from when the camera's own cannot be shown.

pub mod gbm;
pub mod heap;
pub mod map;
pub mod udmabuf;

use std::os::fd::OwnedFd;

/// A GBM device on a DRM node's fd: where display buffers come from on that device.
pub type GbmDevice = ::gbm::Device<OwnedFd>;

/// What a frame buffer's fd is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryKind {
    /// A dmabuf: any device may import it.
    Dmabuf,
    /// Shared memory (a memfd) only a compositor maps, as wl_shm.
    Shm,
}

/// Who made the buffers the display shows, as the start-up line and `--stats` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocator {
    /// GBM on the display's own device.
    Gbm,
    /// Dumb buffers on the KMS card.
    Dumb,
    /// A memfd turned into a dmabuf by /dev/udmabuf.
    Udmabuf,
    /// The system dma-heap (root only on stock systems).
    DmaHeap,
    /// wl_shm memory the compositor maps.
    Shm,
    /// The camera driver's own buffers.
    Camera,
}

impl Allocator {
    pub fn name(self) -> &'static str {
        match self {
            Allocator::Gbm => "gbm",
            Allocator::Dumb => "dumb",
            Allocator::Udmabuf => "udmabuf",
            Allocator::DmaHeap => "dma-heap",
            Allocator::Shm => "shm",
            Allocator::Camera => "camera",
        }
    }
}

/// One XRGB8888 frame's memory.
pub struct FrameMemory {
    pub fd: OwnedFd,
    /// Bytes per row.
    pub pitch: u32,
    pub len: u32,
    /// The layout (a DRM format modifier): LINEAR unless GBM chose another.
    pub modifier: u64,
}

/// Buffers for frames glasscam writes itself (decoded MJPEG), and who made them.
pub struct Frames {
    pub allocator: Allocator,
    pub kind: MemoryKind,
    pub buffers: Vec<FrameMemory>,
}

pub type AllocError = Box<dyn std::error::Error + Send + Sync>;

/// Makes XRGB8888 frame buffers the display will take: the display knows which memory that is.
pub trait FrameAllocator {
    fn allocate(&mut self, size: (u32, u32), count: usize) -> Result<Frames, AllocError>;
}
