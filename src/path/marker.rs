//! The `bench --g2g` marker where the display has no overlay for it (cirrus, like many KMS
//! drivers, has no overlay plane): a square in the picture's bottom-left corner, drawn into
//! the gpu and copy rungs' frames. A flip of the marker is presented with the first frame
//! that shows the new colour.

use crate::geometry::MarkerSquare;

/// Which colour is wanted, and which is on the glass. The colour drawn into a frame travels
/// with that frame (by its tag) until it is presented.
#[derive(Debug, Default)]
pub struct Marker {
    white: bool,
    on_screen: Option<bool>,
    /// The colour drawn into each frame not yet presented, by tag.
    in_frame: Vec<Option<bool>>,
}

impl Marker {
    /// The colour wanted now, drawn into the frame tagged `tag`.
    pub fn draw_into(&mut self, tag: usize) -> bool {
        if self.in_frame.len() <= tag {
            self.in_frame.resize(tag + 1, None);
        }
        self.in_frame[tag] = Some(self.white);
        self.white
    }

    /// The frame tagged `tag` reached the glass: the marker's new colour, if it changed.
    pub fn frame_shown(&mut self, tag: usize) -> Option<bool> {
        let drawn = self.in_frame.get_mut(tag).and_then(Option::take)?;
        self.shown(drawn)
    }

    /// Turns the marker white or black from the next frame drawn on.
    pub fn set(&mut self, white: bool) {
        self.white = white;
    }

    /// The colour to draw into the next frame.
    #[cfg(test)]
    fn wanted(&self) -> bool {
        self.white
    }

    /// A frame drawn with `colour` reached the glass; returns the colour if it is a change.
    fn shown(&mut self, colour: bool) -> Option<bool> {
        (self.on_screen.replace(colour) != Some(colour)).then_some(colour)
    }
}

/// Paints the square into XRGB8888 pixels mapped for the CPU, `pitch` bytes per row.
pub fn paint(pixels: &mut [u8], pitch: usize, square: MarkerSquare, white: bool) {
    let value: u32 = if white { 0x00ff_ffff } else { 0 };
    let bytes = value.to_le_bytes();
    let (x, y, side) = (square.x as usize, square.y as usize, square.side as usize);
    // Clipped to the buffer: never into the next row, never past the last.
    let x_end = (x + side).min(pitch / 4);
    for row in y..y + side {
        let Some(line) = pixels.get_mut(row * pitch + x * 4..row * pitch + x_end * 4) else {
            return;
        };
        for pixel in line.chunks_exact_mut(4) {
            pixel.copy_from_slice(&bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_change_of_colour_on_the_glass_is_a_flip() {
        let mut marker = Marker::default();
        assert!(!marker.wanted());
        assert_eq!(marker.shown(false), Some(false), "the first colour shown");
        assert_eq!(marker.shown(false), None, "still black");
        marker.set(true);
        assert!(marker.wanted());
        assert_eq!(marker.shown(true), Some(true));
        marker.set(false);
        // A frame drawn white before the change reaches the glass after it: no new flip.
        assert_eq!(marker.shown(true), None);
        assert_eq!(marker.shown(false), Some(false));
    }

    #[test]
    fn the_colour_drawn_into_a_frame_is_shown_with_that_frame() {
        let mut marker = Marker::default();
        marker.set(true);
        assert!(marker.draw_into(2));
        marker.set(false);
        assert!(!marker.draw_into(0));
        assert_eq!(marker.frame_shown(2), Some(true));
        assert_eq!(marker.frame_shown(2), None, "each frame is shown once");
        assert_eq!(marker.frame_shown(0), Some(false));
    }

    #[test]
    fn the_square_is_painted_and_nothing_else() {
        let (w, h, pitch) = (8usize, 6usize, 40usize);
        let mut pixels = vec![7u8; pitch * h];
        let square = MarkerSquare {
            x: 2,
            y: 3,
            side: 3,
        };
        paint(&mut pixels, pitch, square, true);
        for y in 0..h {
            for x in 0..w {
                let at = y * pitch + x * 4;
                let inside = (2..5).contains(&x) && (3..6).contains(&y);
                let want: &[u8] = if inside { &[255, 255, 255, 0] } else { &[7; 4] };
                assert_eq!(&pixels[at..at + 4], want, "({x},{y})");
            }
        }
        // The bytes past each row's pixels (pitch padding) are untouched.
        assert!(pixels[w * 4..pitch].iter().all(|&b| b == 7));
    }

    #[test]
    fn a_square_past_the_buffer_is_clipped_to_it() {
        // 4x4 pixels, no padding; the square hangs over the right and bottom edges.
        let mut pixels = vec![0u8; 16 * 4];
        let square = MarkerSquare {
            x: 2,
            y: 2,
            side: 4,
        };
        paint(&mut pixels, 16, square, true);
        for (i, byte) in pixels.iter().enumerate() {
            let (x, y) = ((i % 16) / 4, i / 16);
            let inside = x >= 2 && y >= 2 && i % 4 != 3;
            assert_eq!(*byte, if inside { 255 } else { 0 }, "({x},{y}) byte {i}");
        }
    }
}
