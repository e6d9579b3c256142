//! The CRTC as glasscam found it, put back at exit.

use drm::control::{connector, crtc, framebuffer, Device as _, Mode};

use super::device::{Card, Output};
use super::error::{ioctl, KmsError};

pub struct SavedCrtc {
    framebuffer: Option<framebuffer::Handle>,
    mode: Option<Mode>,
    position: (u32, u32),
    connectors: Vec<connector::Handle>,
}

impl SavedCrtc {
    /// The CRTC's framebuffer, mode and position, and the connectors it drives.
    pub fn read(card: &Card, handle: crtc::Handle) -> Result<SavedCrtc, KmsError> {
        let info = card.get_crtc(handle).map_err(ioctl("reading the CRTC"))?;
        let resources = card
            .resource_handles()
            .map_err(ioctl("reading DRM resources"))?;
        let connectors = resources
            .connectors()
            .iter()
            .copied()
            .filter(|&c| {
                card.get_connector(c, false)
                    .ok()
                    .and_then(|info| info.current_encoder())
                    .and_then(|e| card.get_encoder(e).ok())
                    .and_then(|e| e.crtc())
                    == Some(handle)
            })
            .collect();
        Ok(SavedCrtc {
            framebuffer: info.framebuffer(),
            mode: info.mode(),
            position: info.position(),
            connectors,
        })
    }

    /// Turns glasscam's plane off (if it is not the primary) and sets the CRTC as it was.
    pub fn put_back(self, card: &Card, output: &Output) {
        if !output.primary {
            let _ = card.set_plane(
                output.plane,
                output.crtc,
                None,
                0,
                (0, 0, 0, 0),
                (0, 0, 0, 0),
            );
        }
        let result = match (self.framebuffer, self.mode) {
            (Some(fb), Some(mode)) => card.set_crtc(
                output.crtc,
                Some(fb),
                self.position,
                &self.connectors,
                Some(mode),
            ),
            _ => card.set_crtc(output.crtc, None, (0, 0), &[], None),
        };
        if let Err(e) = result {
            tracing::warn!("could not restore the display: {e}");
        }
    }
}
