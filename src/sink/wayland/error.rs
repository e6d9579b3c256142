//! Everything that can go wrong between glasscam and a Wayland compositor.

#[derive(Debug, thiserror::Error)]
pub enum WaylandError {
    /// No compositor to connect to.
    #[error("cannot connect to a Wayland compositor (WAYLAND_DISPLAY={display})")]
    Connect { display: String },
    /// The compositor lacks a protocol glasscam needs.
    #[error("the compositor does not offer {0}")]
    MissingGlobal(&'static str),
    /// The compositor cannot import any camera format as a LINEAR dmabuf.
    #[error("the compositor cannot import {wanted} as a LINEAR dmabuf (it takes: {available})")]
    NoFormat { wanted: String, available: String },
    /// zwp_linux_buffer_params_v1.failed for a camera buffer.
    #[error(
        "the compositor refused camera buffer {index} ({format} {width}x{height}) as a dmabuf"
    )]
    BufferRefused {
        index: usize,
        format: String,
        width: u32,
        height: u32,
    },
    /// The connection broke: the compositor quit or crashed, or raised a protocol error.
    #[error("lost the Wayland compositor")]
    Disconnected,
    /// The GPU rung could not import, set up or draw.
    #[error("converting on the GPU")]
    Gpu(#[source] crate::render::RenderError),
    /// The copy rung could not map, allocate or convert.
    #[error("copying a frame for the compositor: {0}")]
    Copy(String),
    /// The g2g marker's surface or pixels could not be set up.
    #[error("cannot set up the g2g marker: {0}")]
    Marker(String),
    /// The window was never configured.
    #[error("the compositor did not configure the window within {0} s")]
    NoConfigure(u64),
}
