//! Import mode's choice and the camera's side of it: where the display cannot take the
//! camera's own buffers, the camera is given buffers the display made (V4L2_MEMORY_DMABUF)
//! and writes into them; the import rung then shows them as they are. The ladder asks for the
//! swap; capture carries it out.

use clap::ValueEnum;

use crate::capture::{ExportedBuffer, StreamFormat};
use crate::display::Display;

/// `--memory`: whose buffers the camera fills on the direct rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MemoryChoice {
    /// The camera's own (MMAP), else the display's where the display refuses those.
    Auto,
    /// The camera's own alone.
    Mmap,
    /// The display's alone.
    Dmabuf,
}

/// The camera's buffers, which import mode moves into display memory.
pub trait CameraMemory {
    /// The buffers frames arrive in, each plane a dmabuf.
    fn exported(&self) -> &[ExportedBuffer];
    fn format(&self) -> &StreamFormat;
    /// The camera gives up its own buffers and writes into ones `display` makes. On an
    /// error (the camera takes no DMABUF memory, the display's buffers do not fit) it has
    /// its own back.
    fn take_display_memory(&mut self, display: &mut Display) -> anyhow::Result<()>;
}

/// Buffers that stay where they are: a source that is not a camera, or a camera already
/// streaming.
pub struct FixedMemory<'a> {
    pub exported: &'a [ExportedBuffer],
    pub format: &'a StreamFormat,
}

impl CameraMemory for FixedMemory<'_> {
    fn exported(&self) -> &[ExportedBuffer] {
        self.exported
    }

    fn format(&self) -> &StreamFormat {
        self.format
    }

    fn take_display_memory(&mut self, _display: &mut Display) -> anyhow::Result<()> {
        anyhow::bail!("only a camera not yet streaming can write into the display's buffers")
    }
}
