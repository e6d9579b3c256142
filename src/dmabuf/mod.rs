//! Dmabufs glasscam makes or reads itself: CPU mappings with the kernel's sync brackets, and
//! memory from the system dma-heap.

pub mod heap;
pub mod map;
