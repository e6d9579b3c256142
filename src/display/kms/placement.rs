//! Where buffers go on the CRTC, and in which mode: the whole frame in a mode of its size,
//! scaled into the current mode, or a view of it (crop, fill, zoom, transform) set with the
//! plane's SRC rectangle and rotation property.

use drm::control::Mode;

use super::device::mode_size;
use crate::view::{Rect, Transform, View};

/// The plane's `rotation` bits (DRM_MODE_ROTATE_*, DRM_MODE_REFLECT_*): turns are
/// counter-clockwise, as --transform counts them.
const ROTATE_0: u64 = 1 << 0;
const REFLECT_X: u64 = 1 << 4;

#[derive(Debug, Clone, Copy)]
pub struct Placement {
    pub mode: Mode,
    /// The buffers' size.
    pub frame: (u32, u32),
    /// What of them is shown, and which way up.
    pub view: View,
    /// The part of each buffer the plane shows, in its pixels.
    pub src: Rect,
    /// The plane's rotation bits; ROTATE_0 for none.
    pub rotation: u64,
    /// x, y, width, height on the CRTC.
    pub dst: (i32, i32, u32, u32),
}

impl Placement {
    /// The whole frame over the whole of `mode`.
    pub fn full_screen(mode: Mode, frame: (u32, u32)) -> Placement {
        let (w, h) = mode_size(&mode);
        Placement {
            mode,
            frame,
            view: View::default(),
            src: Rect::whole(frame),
            rotation: ROTATE_0,
            dst: (0, 0, w, h),
        }
    }

    /// The whole frame as large as it fits in `mode`, its aspect kept, centred.
    pub fn fitted(mode: Mode, frame: (u32, u32)) -> Placement {
        Placement::viewed(mode, frame, View::default())
    }

    /// `view` of the frame, as large as it fits in `mode`, centred.
    pub fn viewed(mode: Mode, frame: (u32, u32), view: View) -> Placement {
        let (src, dst) = view.placed(frame, mode_size(&mode));
        Placement {
            mode,
            frame,
            view,
            src,
            rotation: rotation_bits(view.transform),
            dst: (dst.x as i32, dst.y as i32, dst.width, dst.height),
        }
    }
}

/// The rotation property's value for `transform`: the frame mirrored (reflect-x, which the
/// kernel applies before the turn) and turned.
fn rotation_bits(transform: Transform) -> u64 {
    // rotate-0, -90, -180 and -270 are bits 0 to 3.
    let turn = ROTATE_0 << transform.quarter_turns();
    if transform.mirrored() {
        turn | REFLECT_X
    } else {
        turn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_are_the_kernels_rotation_bits() {
        assert_eq!(rotation_bits(Transform::Normal), 0b1);
        assert_eq!(rotation_bits(Transform::Rotate90), 0b10);
        assert_eq!(rotation_bits(Transform::Rotate270), 0b1000);
        assert_eq!(rotation_bits(Transform::Flipped), 0b1_0001);
        assert_eq!(rotation_bits(Transform::Flipped180), 0b1_0100);
    }
}
