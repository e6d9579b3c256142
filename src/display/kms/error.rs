//! Everything that can go wrong between glasscam and a KMS device.

use std::io;
use std::path::PathBuf;

use crate::display::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum KmsError {
    /// No DRM card could be opened, or none had a connected connector.
    #[error("no DRM card with a connected display found in /dev/dri ({0})")]
    NoCard(String),
    /// The card could not be opened.
    #[error("cannot open DRM card {path}")]
    Open { path: PathBuf, source: io::Error },
    /// The process may not open another file (`ulimit -n`).
    #[error("cannot open {path}: out of file descriptors (ulimit -n is {limit})")]
    FdLimit { path: PathBuf, limit: u64 },
    /// The path is not a KMS device (e.g. a render node or not DRM at all).
    #[error("{path} is not a KMS display device")]
    NotKms { path: PathBuf, source: io::Error },
    /// Another process (a compositor, another kiosk) is DRM master.
    #[error("cannot become DRM master on {path}: another process holds the display")]
    NotMaster { path: PathBuf, source: io::Error },
    /// The connector named by --connector does not exist.
    #[error("no connector named {name} on {path} (connectors: {available})")]
    NoSuchConnector {
        name: String,
        path: PathBuf,
        available: String,
    },
    /// Cards were found, and nothing is plugged into any of them.
    #[error("no display is connected ({0})")]
    NothingConnected(String),
    /// The connector exists but nothing is plugged in.
    #[error("connector {0} has no display connected")]
    Disconnected(String),
    /// No CRTC can drive the connector.
    #[error("no CRTC can drive connector {0}")]
    NoCrtc(String),
    /// No plane on the CRTC scans out the frame's format.
    #[error("no plane on connector {connector} can show {format} (planes take: {available})")]
    NoPlane {
        connector: String,
        format: String,
        available: String,
    },
    /// The display's atomic test refused the frame scaled into the mode and in every mode
    /// of its size.
    #[error(
        "cannot show a {frame} frame on {connector}: the display refused it scaled into its \
         mode {mode} (the plane cannot scale) and in every {frame} mode (modes: {modes})"
    )]
    NoFit {
        frame: String,
        connector: String,
        mode: String,
        modes: String,
    },
    /// The plane cannot show the view asked for (crop, fill, zoom or transform) itself.
    #[error("{connector} cannot show {view} itself: {why}")]
    ViewRefused {
        view: String,
        connector: String,
        why: String,
    },
    /// Importing a camera dmabuf into the display failed.
    #[error("cannot import camera buffer {index} into the display")]
    Import { index: usize, source: io::Error },
    /// The display refused a framebuffer for a buffer.
    #[error("the display refused a {format} {width}x{height} framebuffer")]
    AddFramebuffer {
        format: String,
        width: u32,
        height: u32,
        source: io::Error,
    },
    /// GBM on the card could not open or allocate.
    #[error("GBM on {path}: {what}")]
    Gbm {
        path: PathBuf,
        what: &'static str,
        source: io::Error,
    },
    /// The card has no render node: no GPU to draw with on it.
    #[error("{} has no GPU (no render node)", .0.display())]
    NoGpu(PathBuf),
    /// A DRM ioctl failed.
    #[error("{what}")]
    Ioctl {
        what: &'static str,
        source: io::Error,
    },
    /// A flip was asked for while one was still pending.
    #[error("page flip requested while the previous one is still pending")]
    FlipPending,
    /// A page flip never completed: the display is stuck or gone.
    #[error("the display did not complete a page flip within {0} s")]
    FlipTimeout(u64),
    /// Only dmabufs can be imported into a card.
    #[error("buffer {0} is not a dmabuf: the display cannot import it")]
    NotDmabuf(usize),
    /// A buffer the display never imported or made, or has freed.
    #[error("buffer {0} was never imported into the display")]
    NotImported(usize),
}

impl KmsError {
    /// The refusal this is, if it is one: a lower rung may get past it.
    /// The kernel refused an ioctl for lack of DRM master (another session has the seat).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, KmsError::Ioctl { source, .. } if source.raw_os_error() == Some(libc::EACCES))
    }

    /// Nothing is plugged in (yet): a display may still come.
    pub fn is_nothing_connected(&self) -> bool {
        matches!(
            self,
            KmsError::NothingConnected(_) | KmsError::Disconnected(_)
        )
    }

    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            KmsError::NoPlane { .. } => Some(Refusal::Format),
            KmsError::AddFramebuffer { .. } | KmsError::NoFit { .. } => Some(Refusal::Buffer),
            KmsError::ViewRefused { .. } => Some(Refusal::View),
            _ => None,
        }
    }
}

pub fn ioctl(what: &'static str) -> impl FnOnce(io::Error) -> KmsError {
    move |source| KmsError::Ioctl { what, source }
}
