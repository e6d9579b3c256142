//! Everything that can go wrong between glasscam and a Wayland compositor.

use crate::display::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum WaylandError {
    /// No compositor to connect to.
    #[error("cannot connect to a Wayland compositor (WAYLAND_DISPLAY={display})")]
    Connect { display: String },
    /// The compositor lacks a protocol glasscam needs.
    #[error("the compositor does not offer {0}")]
    MissingGlobal(&'static str),
    /// The compositor has no wp_viewporter, which a crop, fill or zoom needs.
    #[error("the compositor has no wp_viewporter to show {0}")]
    NoViewport(String),
    /// The compositor has no zwp_linux_dmabuf_v1: it takes wl_shm alone.
    #[error("the compositor does not offer zwp_linux_dmabuf_v1 (version 3 or later)")]
    NoDmabuf,
    /// The compositor cannot import any of the formats as a LINEAR dmabuf.
    #[error("the compositor cannot import {wanted} as a LINEAR dmabuf (it takes: {available})")]
    NoFormat { wanted: String, available: String },
    /// zwp_linux_buffer_params_v1.failed for a buffer.
    #[error(
        "the compositor refused camera buffer {index} ({format} {width}x{height}) as a dmabuf"
    )]
    BufferRefused {
        index: usize,
        format: String,
        width: u32,
        height: u32,
    },
    /// A buffer the compositor never created, or one already destroyed.
    #[error("buffer {0} was never created by the compositor")]
    UnknownBuffer(usize),
    /// The connection broke: the compositor quit or crashed, or raised a protocol error.
    #[error("lost the Wayland compositor")]
    Disconnected,
    /// The window is gone: the display was already restored.
    #[error("the window is already closed")]
    NoWindow,
    /// Shared memory for wl_shm buffers could not be made or mapped.
    #[error("{what}: {errno}")]
    Shm {
        what: &'static str,
        errno: nix::Error,
    },
    /// The system dma-heap gave no memory.
    #[error("allocating a dma-heap buffer: {0}")]
    DmaHeap(std::io::Error),
    /// /dev/udmabuf gave no dmabuf.
    #[error("making a udmabuf: {0}")]
    Udmabuf(std::io::Error),
    /// The compositor named no main device (linux-dmabuf v3): no device to allocate on.
    #[error("the compositor names no main device (linux-dmabuf v4 feedback)")]
    NoMainDevice,
    /// The compositor's main device has no render node: no GPU to draw with on it.
    #[error("the compositor's device {0} has no GPU (no render node)")]
    NoGpu(String),
    /// GBM on the compositor's main device failed.
    #[error("GBM on {node}: {what}: {source}")]
    Gbm {
        node: String,
        what: &'static str,
        source: std::io::Error,
    },
    /// The overlay's surface or pixels could not be set up.
    #[error("cannot set up the g2g marker: {0}")]
    Overlay(String),
    /// The window was never configured.
    #[error("the compositor did not configure the window within {0} roundtrips")]
    NoConfigure(u64),
}

impl WaylandError {
    /// The refusal this is, if it is one: a lower rung may get past it.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            WaylandError::NoFormat { .. } => Some(Refusal::Format),
            WaylandError::BufferRefused { .. } => Some(Refusal::Buffer),
            WaylandError::NoDmabuf => Some(Refusal::Memory),
            WaylandError::NoViewport(_) => Some(Refusal::View),
            _ => None,
        }
    }
}
