//! Where pictures go on a display: fitting a frame into an area, and the g2g marker's
//! square in its corner.

/// Where `bench --g2g`'s marker goes: a square in the picture's bottom-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkerSquare {
    pub x: u32,
    /// The top row, counted from the top.
    pub y: u32,
    pub side: u32,
}

/// The marker's side, in display pixels.
pub const MARKER_SIDE: u32 = 96;

impl MarkerSquare {
    /// The marker in the bottom-left corner of a picture at `x, y`, `w` by `h` pixels.
    pub fn in_picture(x: u32, y: u32, w: u32, h: u32) -> MarkerSquare {
        let side = MARKER_SIDE.min(w).min(h);
        MarkerSquare {
            x,
            y: y + h - side,
            side,
        }
    }
}

/// The largest size of the frame's aspect ratio that fits in `area`.
pub fn fit(frame: (u32, u32), area: (u32, u32)) -> (u32, u32) {
    let (fw, fh) = (u64::from(frame.0.max(1)), u64::from(frame.1.max(1)));
    let (aw, ah) = (u64::from(area.0), u64::from(area.1));
    if aw * fh <= ah * fw {
        (area.0, (aw * fh / fw) as u32)
    } else {
        ((ah * fw / fh) as u32, area.1)
    }
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn a_wider_frame_is_letterboxed() {
        assert_eq!(fit((1280, 720), (1024, 768)), (1024, 576));
    }

    #[test]
    fn a_taller_frame_is_pillarboxed() {
        assert_eq!(fit((640, 480), (1920, 1080)), (1440, 1080));
    }

    #[test]
    fn an_equal_aspect_frame_fills_the_area() {
        assert_eq!(fit((640, 480), (1024, 768)), (1024, 768));
    }
}
