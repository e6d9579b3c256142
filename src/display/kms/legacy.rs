//! Legacy modesetting (SetCrtc, PageFlip), for drivers without atomic or when
//! GLASSCAM_KMS_LEGACY is set. The plane must cover the CRTC: no test commit can ask.

use drm::control::{framebuffer, Device as _, PageFlipFlags};

use super::device::{Card, Output};
use super::error::{ioctl, KmsError};
use super::placement::Placement;

/// Sets the mode showing `fb`. It is on the glass when this returns: there is no event.
pub fn modeset(
    card: &Card,
    output: &Output,
    fb: framebuffer::Handle,
    placement: &Placement,
) -> Result<(), KmsError> {
    let (x, y, _, _) = placement.dst;
    card.set_crtc(
        output.crtc,
        Some(fb),
        (x.max(0) as u32, y.max(0) as u32),
        &[output.connector.handle()],
        Some(placement.mode),
    )
    .map_err(ioctl("setting the display mode"))
}

/// Flips to `fb` at the next vblank; the page-flip event says when.
pub fn flip(card: &Card, output: &Output, fb: framebuffer::Handle) -> Result<(), KmsError> {
    card.page_flip(output.crtc, fb, PageFlipFlags::EVENT, None)
        .map_err(ioctl("flipping to the next frame"))
}
