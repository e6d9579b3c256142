//! What of the camera's frame is shown, and which way up: `--transform`, `--crop`, `--fill`
//! and the window's zoom. Displays that can do it themselves (a plane's SRC and rotation
//! properties, the compositor's viewport and buffer transform) are given the view; else
//! the gpu rung draws it.

use std::fmt;
use std::str::FromStr;

use crate::geometry::fit;

/// Which way up the picture is shown, as wl_output.transform and DRM's rotation count: the
/// frame mirrored left to right first (the flipped ones), then turned counter-clockwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Transform {
    #[default]
    Normal,
    #[value(name = "90")]
    Rotate90,
    #[value(name = "180")]
    Rotate180,
    #[value(name = "270")]
    Rotate270,
    Flipped,
    #[value(name = "flipped-90")]
    Flipped90,
    #[value(name = "flipped-180")]
    Flipped180,
    #[value(name = "flipped-270")]
    Flipped270,
}

const TRANSFORMS: [Transform; 8] = [
    Transform::Normal,
    Transform::Rotate90,
    Transform::Rotate180,
    Transform::Rotate270,
    Transform::Flipped,
    Transform::Flipped90,
    Transform::Flipped180,
    Transform::Flipped270,
];

impl Transform {
    /// Quarter turns counter-clockwise, 0 to 3.
    pub fn quarter_turns(self) -> u32 {
        TRANSFORMS.iter().position(|&t| t == self).unwrap_or(0) as u32 % 4
    }

    /// Mirrored left to right (before the turns).
    pub fn mirrored(self) -> bool {
        TRANSFORMS.iter().position(|&t| t == self).unwrap_or(0) >= 4
    }

    fn from_parts(quarter_turns: u32, mirrored: bool) -> Transform {
        TRANSFORMS[(quarter_turns % 4) as usize + if mirrored { 4 } else { 0 }]
    }

    /// The same, mirrored once more (the window's M): the mirror is the picture's, so a
    /// turned picture keeps its turn.
    pub fn mirror_toggled(self) -> Transform {
        Transform::from_parts((4 - self.quarter_turns()) % 4, !self.mirrored())
    }

    /// A quarter turn clockwise more (the window's R).
    pub fn turned_clockwise(self) -> Transform {
        Transform::from_parts(self.quarter_turns() + 3, self.mirrored())
    }

    /// The transform that undoes this one (what wl_surface.set_buffer_transform is given:
    /// it names what was done to the buffer, and the compositor undoes it).
    pub fn inverse(self) -> Transform {
        if self.mirrored() {
            self
        } else {
            Transform::from_parts(4 - self.quarter_turns(), false)
        }
    }

    /// Width and height swap (a quarter or three-quarter turn).
    pub fn swaps_axes(self) -> bool {
        self.quarter_turns() % 2 == 1
    }

    /// A size as it is shown.
    pub fn oriented(self, (w, h): (u32, u32)) -> (u32, u32) {
        if self.swaps_axes() {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// Where rectangle `r` of a `frame`-sized picture is once transformed.
    pub fn map_rect(self, r: Rect, (fw, fh): (u32, u32)) -> Rect {
        let r = if self.mirrored() {
            Rect {
                x: fw - r.x - r.width,
                ..r
            }
        } else {
            r
        };
        let (x, y, w, h) = (r.x, r.y, r.width, r.height);
        let (x, y) = match self.quarter_turns() {
            1 => (y, fw - x - w),
            2 => (fw - x - w, fh - y - h),
            3 => (fh - y - h, x),
            _ => (x, y),
        };
        let (width, height) = self.oriented((w, h));
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    /// As `--transform` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Transform::Normal => "normal",
            Transform::Rotate90 => "90",
            Transform::Rotate180 => "180",
            Transform::Rotate270 => "270",
            Transform::Flipped => "flipped",
            Transform::Flipped90 => "flipped-90",
            Transform::Flipped180 => "flipped-180",
            Transform::Flipped270 => "flipped-270",
        }
    }
}

/// A rectangle of the camera's frame, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    pub fn whole(size: (u32, u32)) -> Rect {
        Rect {
            x: 0,
            y: 0,
            width: size.0,
            height: size.1,
        }
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The part of this inside a `frame`-sized picture; None when nothing is.
    fn within(self, (fw, fh): (u32, u32)) -> Option<Rect> {
        let (x, y) = (self.x.min(fw), self.y.min(fh));
        let width = self.width.min(fw - x);
        let height = self.height.min(fh - y);
        (width > 0 && height > 0).then_some(Rect {
            x,
            y,
            width,
            height,
        })
    }

    /// The centred part of this that is `1/zoom` as wide and high, at least 16 pixels.
    fn zoomed(self, percent: u32) -> Rect {
        let scale = |n: u32| (u64::from(n) * 100 / u64::from(percent.max(100))) as u32;
        let width = scale(self.width).max(16).min(self.width);
        let height = scale(self.height).max(16).min(self.height);
        Rect {
            x: self.x + (self.width - width) / 2,
            y: self.y + (self.height - height) / 2,
            width,
            height,
        }
    }

    /// The centred part of this with `area`'s aspect ratio (what `--fill` shows).
    fn cut_to_aspect(self, (aw, ah): (u32, u32)) -> Rect {
        if aw == 0 || ah == 0 {
            return self;
        }
        let (w, h) = (u64::from(self.width), u64::from(self.height));
        let (aw, ah) = (u64::from(aw), u64::from(ah));
        let (width, height) = if w * ah > h * aw {
            ((h * aw / ah) as u32, self.height)
        } else {
            (self.width, (w * ah / aw) as u32)
        };
        Rect {
            x: self.x + (self.width - width) / 2,
            y: self.y + (self.height - height) / 2,
            width: width.max(1),
            height: height.max(1),
        }
    }
}

impl FromStr for Rect {
    type Err = String;

    fn from_str(text: &str) -> Result<Rect, String> {
        let numbers: Vec<u32> = text
            .split(',')
            .map(|n| n.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("'{text}' is not X,Y,WIDTH,HEIGHT in pixels"))?;
        match numbers[..] {
            [x, y, width, height] if width > 0 && height > 0 => Ok(Rect {
                x,
                y,
                width,
                height,
            }),
            _ => Err(format!(
                "'{text}' is not X,Y,WIDTH,HEIGHT with a width and height above 0"
            )),
        }
    }
}

impl fmt::Display for Rect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{} {}x{}", self.x, self.y, self.width, self.height)
    }
}

/// The window's keys that change the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKey {
    /// M: mirror the picture.
    Mirror,
    /// R: turn it a quarter clockwise.
    Turn,
    /// +: zoom in about the centre.
    ZoomIn,
    /// -: zoom out.
    ZoomOut,
}

/// What the user asked to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub transform: Transform,
    /// `--crop`, in the camera's pixels.
    pub crop: Option<Rect>,
    /// `--fill`: cut to the display's aspect ratio instead of bars beside the picture.
    pub fill: bool,
    /// The window's + and -: 100 is the whole crop, 200 its centre at twice the size.
    pub zoom_percent: u32,
}

impl Default for View {
    fn default() -> View {
        View {
            transform: Transform::Normal,
            crop: None,
            fill: false,
            zoom_percent: 100,
        }
    }
}

/// The zoom steps + and - go through, in percent.
const ZOOM_STEPS: [u32; 7] = [100, 125, 150, 200, 300, 400, 800];

impl View {
    /// The whole frame, upright: nothing for a display to do.
    pub fn is_plain(&self) -> bool {
        *self == View::default()
    }

    /// The part of a `frame`-sized picture shown in an `area`-sized place (None: unknown),
    /// in the frame's own pixels.
    pub fn source(&self, frame: (u32, u32), area: Option<(u32, u32)>) -> Rect {
        let whole = Rect::whole(frame);
        let cropped = self.crop.and_then(|c| c.within(frame)).unwrap_or(whole);
        let zoomed = cropped.zoomed(self.zoom_percent);
        match area {
            // The area's aspect, turned back into the frame's orientation.
            Some(area) if self.fill => zoomed.cut_to_aspect(self.transform.oriented(area)),
            _ => zoomed,
        }
    }

    /// What of a `frame`-sized picture is shown, and the size it is shown at: as large as
    /// fits in `area`, its aspect kept, turned; at its own size where the area is unknown.
    pub fn fitted(&self, frame: (u32, u32), area: Option<(u32, u32)>) -> (Rect, (u32, u32)) {
        let source = self.source(frame, area);
        let shown = self.transform.oriented(source.size());
        (source, area.map_or(shown, |area| fit(shown, area)))
    }

    /// What of a `frame`-sized picture is shown, and where in `area`: fitted and centred.
    pub fn placed(&self, frame: (u32, u32), area: (u32, u32)) -> (Rect, Rect) {
        let (source, (width, height)) = self.fitted(frame, Some(area));
        let destination = Rect {
            x: (area.0 - width) / 2,
            y: (area.1 - height) / 2,
            width,
            height,
        };
        (source, destination)
    }

    /// Whether a display needs a source rectangle and scaling to show it (crop, fill or
    /// zoom), not only a turn of the whole frame.
    pub fn needs_scaler(&self) -> bool {
        self.crop.is_some() || self.fill || self.zoom_percent != 100
    }

    /// The view after `key`; None where it changes nothing (zoomed in or out all the way).
    pub fn after(&self, key: ViewKey) -> Option<View> {
        let turned = |transform| Some(View { transform, ..*self });
        match key {
            ViewKey::Mirror => turned(self.transform.mirror_toggled()),
            ViewKey::Turn => turned(self.transform.turned_clockwise()),
            ViewKey::ZoomIn => self.zoomed(true),
            ViewKey::ZoomOut => self.zoomed(false),
        }
    }

    /// One zoom step in (+) or out (-); None at either end.
    pub fn zoomed(&self, zoom_in: bool) -> Option<View> {
        let at = ZOOM_STEPS
            .iter()
            .position(|&z| z >= self.zoom_percent)
            .unwrap_or(0);
        let next = if zoom_in {
            ZOOM_STEPS.get(at + 1)
        } else {
            at.checked_sub(1).and_then(|i| ZOOM_STEPS.get(i))
        };
        next.map(|&zoom_percent| View {
            zoom_percent,
            ..*self
        })
    }

    /// How the startup line names it, e.g. "transform flipped, crop 0,0 320x240".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.transform != Transform::Normal {
            parts.push(format!("transform {}", self.transform.name()));
        }
        if let Some(crop) = self.crop {
            parts.push(format!("crop {crop}"));
        }
        if self.fill {
            parts.push("fill".into());
        }
        if self.zoom_percent != 100 {
            parts.push(format!("zoom {}%", self.zoom_percent));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: (u32, u32) = (640, 480);

    #[test]
    fn a_quarter_turn_takes_the_left_column_to_the_bottom_row() {
        let left_column = Rect {
            x: 0,
            y: 0,
            width: 1,
            height: 480,
        };
        let turned = Transform::Rotate90.map_rect(left_column, FRAME);
        assert_eq!(
            turned,
            Rect {
                x: 0,
                y: 639,
                width: 480,
                height: 1
            }
        );
        let back = Transform::Rotate270.map_rect(left_column, FRAME);
        assert_eq!(
            back,
            Rect {
                x: 0,
                y: 0,
                width: 480,
                height: 1
            }
        );
    }

    #[test]
    fn flipped_mirrors_left_to_right() {
        let top_left = Rect {
            x: 0,
            y: 0,
            width: 320,
            height: 240,
        };
        assert_eq!(
            Transform::Flipped.map_rect(top_left, FRAME),
            Rect {
                x: 320,
                y: 0,
                width: 320,
                height: 240
            }
        );
        assert_eq!(
            Transform::Flipped180.map_rect(top_left, FRAME),
            Rect {
                x: 0,
                y: 240,
                width: 320,
                height: 240
            },
            "mirrored then half a turn: upside down"
        );
    }

    #[test]
    fn inverses_undo() {
        for t in TRANSFORMS {
            let r = Rect {
                x: 10,
                y: 20,
                width: 30,
                height: 40,
            };
            let there = t.map_rect(r, FRAME);
            let back = t.inverse().map_rect(there, t.oriented(FRAME));
            assert_eq!(back, r, "{t:?}");
        }
    }

    #[test]
    fn keys_mirror_and_turn() {
        assert_eq!(Transform::Normal.mirror_toggled(), Transform::Flipped);
        assert_eq!(Transform::Flipped.mirror_toggled(), Transform::Normal);
        assert_eq!(Transform::Normal.turned_clockwise(), Transform::Rotate270);
        let turned = Transform::Rotate90.mirror_toggled();
        // The mirror of a turned picture keeps it on its side.
        assert!(turned.swaps_axes() && turned.mirrored());
        assert_eq!(turned.mirror_toggled(), Transform::Rotate90);
    }

    #[test]
    fn fill_cuts_the_frame_to_the_area() {
        let fill = View {
            fill: true,
            ..View::default()
        };
        assert_eq!(
            fill.source(FRAME, Some((1280, 720))),
            Rect {
                x: 0,
                y: 60,
                width: 640,
                height: 360
            }
        );
        let turned = View {
            transform: Transform::Rotate90,
            ..fill
        };
        assert_eq!(
            turned.source(FRAME, Some((1280, 720))),
            Rect {
                x: 185,
                y: 0,
                width: 270,
                height: 480
            }
        );
        assert_eq!(
            View::default().source(FRAME, Some((1280, 720))),
            Rect::whole(FRAME)
        );
    }

    #[test]
    fn a_turned_view_is_fitted_and_centred_in_the_area() {
        let turned = View {
            transform: Transform::Rotate90,
            ..View::default()
        };
        // 640x480 turned is 480x640: 540 high in a 1280x720 area, centred across.
        let (source, to) = turned.placed((640, 480), (1280, 720));
        assert_eq!(source, Rect::whole((640, 480)));
        assert_eq!((to.x, to.y, to.width, to.height), (370, 0, 540, 720));
        assert_eq!(turned.fitted((640, 480), None).1, (480, 640));
        assert!(!turned.needs_scaler());
        let zoomed = turned.zoomed(true).unwrap();
        assert!(zoomed.needs_scaler());
    }

    #[test]
    fn crops_are_kept_inside_the_frame_and_zoomed_about_their_centre() {
        let crop = View {
            crop: Some("600,400,100,100".parse().unwrap()),
            ..View::default()
        };
        assert_eq!(
            crop.source(FRAME, None),
            Rect {
                x: 600,
                y: 400,
                width: 40,
                height: 80
            }
        );
        let zoomed = View::default().zoomed(true).unwrap().zoomed(true).unwrap();
        assert_eq!(zoomed.zoom_percent, 150);
        assert_eq!(
            zoomed.source(FRAME, None),
            Rect {
                x: 107,
                y: 80,
                width: 426,
                height: 320
            }
        );
        assert_eq!(View::default().zoomed(false), None);
        assert!("0,0,0,10".parse::<Rect>().is_err());
        assert!("1,2,3".parse::<Rect>().is_err());
    }
}
