//! V4L2 pixel formats as the display sees them: the DRM fourcc, and where each colour plane
//! lives inside the V4L2 buffer's memory planes.

use drm_fourcc::DrmFourcc;

/// Where Y, U (Cb) and V (Cr) sit in a packed 4:2:2 group of four bytes holding two pixels;
/// the second pixel's Y is two bytes after the first's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedYuv {
    pub y: usize,
    pub u: usize,
    pub v: usize,
}

/// How the chroma planes after luma are subsampled, and which of Cb and Cr comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subsampled {
    /// Luma pixels per chroma sample across.
    pub horizontal: u32,
    /// Luma rows per chroma row.
    pub vertical: u32,
    /// Cr before Cb: in each interleaved pair (NV21), or as the first chroma plane (YV12).
    pub cr_first: bool,
}

/// How a format carries colour beside luma.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    /// RGB or grey: no chroma samples.
    None,
    /// 4:2:2 YCbCr packed into the one plane, in this byte order.
    Packed(PackedYuv),
    /// One interleaved CbCr (or CrCb) plane after luma.
    SemiPlanar(Subsampled),
    /// Separate Cb and Cr (or Cr and Cb) planes after luma.
    Planar(Subsampled),
}

impl Chroma {
    /// Luma pixels per chroma sample (horizontal, vertical): (1, 1) without chroma.
    pub fn subsampling(&self) -> (u32, u32) {
        match self {
            Chroma::None => (1, 1),
            Chroma::Packed(_) => (2, 1),
            Chroma::SemiPlanar(sub) | Chroma::Planar(sub) => (sub.horizontal, sub.vertical),
        }
    }

    /// How many planes of chroma follow the luma plane.
    fn planes_after_luma(&self) -> usize {
        match self {
            Chroma::None | Chroma::Packed(_) => 0,
            Chroma::SemiPlanar(_) => 1,
            Chroma::Planar(_) => 2,
        }
    }

    /// The pitch of the chroma planes when they share the luma plane's memory plane: an
    /// interleaved pair takes two bytes per sample, a planar plane one.
    fn shared_pitch(&self, luma_pitch: u32) -> u32 {
        match self {
            Chroma::None | Chroma::Packed(_) => 0,
            // u64: a driver's pitch near u32::MAX must not overflow; too large a result is
            // refused by check() as a pitch no plane can hold.
            Chroma::SemiPlanar(sub) => {
                saturate(u64::from(luma_pitch) * 2 / u64::from(sub.horizontal))
            }
            Chroma::Planar(sub) => luma_pitch / sub.horizontal,
        }
    }
}

/// A V4L2 capture format glasscam can hand to a display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelFormat {
    /// The V4L2 fourcc, as `v4l2-ctl` prints it.
    pub v4l2: u32,
    /// The DRM fourcc describing the same bytes.
    pub drm: DrmFourcc,
    /// How many V4L2 memory planes (dmabufs) a buffer of this format has.
    pub mem_planes: usize,
    /// Private, so that every PixelFormat comes from the table.
    chroma: Chroma,
}

/// One DRM colour plane: which dmabuf it is in, at which offset, with which pitch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneLayout {
    pub mem_plane: usize,
    pub offset: u32,
    pub pitch: u32,
    /// Bytes from `offset` this plane needs in its memory plane.
    pub size: u64,
}

/// Why a driver-reported layout can't be trusted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LayoutError {
    /// The driver reported a different number of memory planes than the format has.
    #[error("format {format} has {expected} memory plane(s) but the driver reported {got}")]
    PlaneCount {
        format: String,
        expected: usize,
        got: usize,
    },
    /// A plane would reach past the end of the memory the driver allocated.
    #[error("plane {plane} needs {needed} bytes but its buffer holds {available}")]
    TooSmall {
        plane: usize,
        needed: u64,
        available: u64,
    },
    /// A pitch of zero or one too narrow for the width.
    #[error("memory plane {plane} has a pitch of {pitch} bytes, too small for width {width}")]
    BadPitch {
        plane: usize,
        pitch: u32,
        width: u32,
    },
}

pub const fn v4l2_fourcc(code: &[u8; 4]) -> u32 {
    (code[0] as u32) | (code[1] as u32) << 8 | (code[2] as u32) << 16 | (code[3] as u32) << 24
}

const fn entry(code: &[u8; 4], drm: DrmFourcc, mem_planes: usize, chroma: Chroma) -> PixelFormat {
    PixelFormat {
        v4l2: v4l2_fourcc(code),
        drm,
        mem_planes,
        chroma,
    }
}

/// RGB and grey, for the table.
const NO_CHROMA: Chroma = Chroma::None;
/// Cb before Cr, for the table.
const CB_CR: bool = false;
/// Cr before Cb (NV21, YV12), for the table.
const CR_CB: bool = true;

const fn packed(y: usize, u: usize, v: usize) -> Chroma {
    Chroma::Packed(PackedYuv { y, u, v })
}

const fn semi_planar(horizontal: u32, vertical: u32, cr_first: bool) -> Chroma {
    Chroma::SemiPlanar(Subsampled {
        horizontal,
        vertical,
        cr_first,
    })
}

const fn planar(horizontal: u32, vertical: u32, cr_first: bool) -> Chroma {
    Chroma::Planar(Subsampled {
        horizontal,
        vertical,
        cr_first,
    })
}

/// `value` as u32, or u32::MAX when it does not fit.
fn saturate(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// V4L2 BGR4, bytes B, G, R, X: DRM XRGB8888, which every display takes.
const BGR4: PixelFormat = entry(b"BGR4", DrmFourcc::Xrgb8888, 1, NO_CHROMA);

/// Every format glasscam maps. V4L2 names byte order in memory, DRM names a little-endian
/// word, so e.g. V4L2 BGR4 (bytes B,G,R,X) is DRM XRGB8888.
pub const FORMATS: &[PixelFormat] = &[
    BGR4,
    entry(b"XR24", DrmFourcc::Xrgb8888, 1, NO_CHROMA),
    entry(b"AR24", DrmFourcc::Argb8888, 1, NO_CHROMA),
    entry(b"RGB4", DrmFourcc::Bgrx8888, 1, NO_CHROMA),
    entry(b"BX24", DrmFourcc::Bgrx8888, 1, NO_CHROMA),
    entry(b"BA24", DrmFourcc::Bgra8888, 1, NO_CHROMA),
    entry(b"XB24", DrmFourcc::Xbgr8888, 1, NO_CHROMA),
    entry(b"AB24", DrmFourcc::Abgr8888, 1, NO_CHROMA),
    entry(b"RX24", DrmFourcc::Rgbx8888, 1, NO_CHROMA),
    entry(b"RA24", DrmFourcc::Rgba8888, 1, NO_CHROMA),
    entry(b"BGR3", DrmFourcc::Rgb888, 1, NO_CHROMA),
    entry(b"RGB3", DrmFourcc::Bgr888, 1, NO_CHROMA),
    entry(b"RGBP", DrmFourcc::Rgb565, 1, NO_CHROMA),
    entry(b"RGBO", DrmFourcc::Xrgb1555, 1, NO_CHROMA),
    entry(b"XR15", DrmFourcc::Xrgb1555, 1, NO_CHROMA),
    entry(b"AR15", DrmFourcc::Argb1555, 1, NO_CHROMA),
    entry(b"GREY", DrmFourcc::R8, 1, NO_CHROMA),
    entry(b"YUYV", DrmFourcc::Yuyv, 1, packed(0, 1, 3)),
    entry(b"YVYU", DrmFourcc::Yvyu, 1, packed(0, 3, 1)),
    entry(b"UYVY", DrmFourcc::Uyvy, 1, packed(1, 0, 2)),
    entry(b"VYUY", DrmFourcc::Vyuy, 1, packed(1, 2, 0)),
    entry(b"NV12", DrmFourcc::Nv12, 1, semi_planar(2, 2, CB_CR)),
    entry(b"NV21", DrmFourcc::Nv21, 1, semi_planar(2, 2, CR_CB)),
    entry(b"NV16", DrmFourcc::Nv16, 1, semi_planar(2, 1, CB_CR)),
    entry(b"NV61", DrmFourcc::Nv61, 1, semi_planar(2, 1, CR_CB)),
    entry(b"NV24", DrmFourcc::Nv24, 1, semi_planar(1, 1, CB_CR)),
    entry(b"NV42", DrmFourcc::Nv42, 1, semi_planar(1, 1, CR_CB)),
    entry(b"NM12", DrmFourcc::Nv12, 2, semi_planar(2, 2, CB_CR)),
    entry(b"NM21", DrmFourcc::Nv21, 2, semi_planar(2, 2, CR_CB)),
    entry(b"NM16", DrmFourcc::Nv16, 2, semi_planar(2, 1, CB_CR)),
    entry(b"NM61", DrmFourcc::Nv61, 2, semi_planar(2, 1, CR_CB)),
    entry(b"YU12", DrmFourcc::Yuv420, 1, planar(2, 2, CB_CR)),
    entry(b"YV12", DrmFourcc::Yvu420, 1, planar(2, 2, CR_CB)),
    entry(b"422P", DrmFourcc::Yuv422, 1, planar(2, 1, CB_CR)),
    entry(b"YM12", DrmFourcc::Yuv420, 3, planar(2, 2, CB_CR)),
    entry(b"YM21", DrmFourcc::Yvu420, 3, planar(2, 2, CR_CB)),
    entry(b"YM16", DrmFourcc::Yuv422, 3, planar(2, 1, CB_CR)),
];

/// The fourcc as four characters, the way `v4l2-ctl` prints it.
pub fn fourcc_name(code: u32) -> String {
    let text: String = code
        .to_le_bytes()
        .iter()
        .map(|&b| {
            let c = (b & 0x7f) as char;
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    let text = text.trim_end().to_string();
    if code & (1 << 31) != 0 {
        format!("{text}-BE")
    } else {
        text
    }
}

/// Parses a fourcc given on the command line ("YUYV", "BGR4", "Y10 " may be given as "Y10").
pub fn parse_fourcc(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 4 || !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Option::None;
    }
    let mut code = *b"    ";
    code[..bytes.len()].copy_from_slice(bytes);
    Some(v4l2_fourcc(&code))
}

/// DRM_FORMAT_MOD_LINEAR: rows one after another, what every camera writes.
pub const MODIFIER_LINEAR: u64 = 0;

impl PixelFormat {
    pub fn from_v4l2(code: u32) -> Option<PixelFormat> {
        FORMATS.iter().copied().find(|f| f.v4l2 == code)
    }

    /// XRGB8888 (V4L2 BGR4): what the copy and gpu rungs draw and MJPEG decodes to, and
    /// what every display takes.
    pub const fn xrgb8888() -> PixelFormat {
        BGR4
    }

    pub fn name(&self) -> String {
        fourcc_name(self.v4l2)
    }

    /// How the format carries colour beside luma.
    pub fn chroma(&self) -> Chroma {
        self.chroma
    }

    /// Lays the DRM colour planes over the V4L2 memory planes, checking the driver's numbers:
    /// `planes` holds (bytesperline, length in bytes) per memory plane.
    pub fn layout(
        &self,
        width: u32,
        height: u32,
        planes: &[(u32, u32)],
    ) -> Result<Vec<PlaneLayout>, LayoutError> {
        if planes.len() != self.mem_planes {
            return Err(LayoutError::PlaneCount {
                format: self.name(),
                expected: self.mem_planes,
                got: planes.len(),
            });
        }
        let (luma_pitch, _) = planes[0];
        let (sub_w, sub_h) = self.chroma.subsampling();
        let chroma_height = height.div_ceil(sub_h);
        let mut layout = vec![PlaneLayout {
            mem_plane: 0,
            offset: 0,
            pitch: luma_pitch,
            size: u64::from(luma_pitch) * u64::from(height),
        }];
        for index in 1..=self.chroma.planes_after_luma() {
            let plane = self.chroma_plane(index, layout[index - 1], chroma_height, planes)?;
            layout.push(plane);
        }
        self.check(width, sub_w, planes, &layout)?;
        Ok(layout)
    }

    /// Chroma plane `index`, of `rows` rows: in a memory plane of its own, or right after
    /// `previous` in the first one.
    fn chroma_plane(
        &self,
        index: usize,
        previous: PlaneLayout,
        rows: u32,
        planes: &[(u32, u32)],
    ) -> Result<PlaneLayout, LayoutError> {
        if self.mem_planes > 1 {
            let pitch = planes[index].0;
            return Ok(PlaneLayout {
                mem_plane: index,
                offset: 0,
                pitch,
                size: u64::from(pitch) * u64::from(rows),
            });
        }
        let pitch = self.chroma.shared_pitch(planes[0].0);
        let offset = u64::from(previous.offset) + previous.size;
        Ok(PlaneLayout {
            mem_plane: 0,
            offset: u32::try_from(offset).map_err(|_| LayoutError::TooSmall {
                plane: index,
                needed: offset,
                available: u64::from(planes[0].1),
            })?,
            pitch,
            size: u64::from(pitch) * u64::from(rows),
        })
    }

    fn check(
        &self,
        width: u32,
        sub_w: u32,
        planes: &[(u32, u32)],
        layout: &[PlaneLayout],
    ) -> Result<(), LayoutError> {
        let bytes_per_luma_pixel = self.luma_bytes_per_pixel();
        for (index, plane) in layout.iter().enumerate() {
            let min_pitch = if index == 0 && bytes_per_luma_pixel == 2 && self.is_packed_yuv() {
                // Packed 4:2:2 comes in two-pixel groups of four bytes, even at an odd width.
                u64::from(width.div_ceil(2)) * 4
            } else if index == 0 {
                u64::from(width) * u64::from(bytes_per_luma_pixel)
            } else {
                // Chroma: interleaved CbCr takes two bytes per subsampled pixel.
                let samples = u64::from(width.div_ceil(sub_w));
                if layout.len() == 2 {
                    samples * 2
                } else {
                    samples
                }
            };
            if plane.pitch == 0 || u64::from(plane.pitch) < min_pitch {
                return Err(LayoutError::BadPitch {
                    plane: plane.mem_plane,
                    pitch: plane.pitch,
                    width,
                });
            }
            let needed = u64::from(plane.offset) + plane.size;
            let available = u64::from(planes[plane.mem_plane].1);
            if needed > available {
                return Err(LayoutError::TooSmall {
                    plane: index,
                    needed,
                    available,
                });
            }
        }
        Ok(())
    }

    fn is_packed_yuv(&self) -> bool {
        matches!(self.chroma, Chroma::Packed(_))
    }

    fn luma_bytes_per_pixel(&self) -> u32 {
        use DrmFourcc::*;
        match self.drm {
            Xrgb8888 | Argb8888 | Bgrx8888 | Bgra8888 | Xbgr8888 | Abgr8888 | Rgbx8888
            | Rgba8888 => 4,
            Rgb888 | Bgr888 => 3,
            Rgb565 | Xrgb1555 | Argb1555 | Yuyv | Yvyu | Uyvy | Vyuy => 2,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(name: &str) -> PixelFormat {
        PixelFormat::from_v4l2(parse_fourcc(name).unwrap()).unwrap()
    }

    #[test]
    fn v4l2_codes_match_videodev2() {
        // V4L2_PIX_FMT_* values printed by a C program built against linux/videodev2.h.
        for (code, value) in [
            (b"YUYV", 0x5659_5559),
            (b"UYVY", 0x5956_5955),
            (b"NV12", 0x3231_564e),
            (b"NV21", 0x3132_564e),
            (b"NV16", 0x3631_564e),
            (b"NM12", 0x3231_4d4e),
            (b"YU12", 0x3231_5559),
            (b"GREY", 0x5945_5247),
            (b"RGBP", 0x5042_4752),
            (b"RGB3", 0x3342_4752),
            (b"BGR3", 0x3352_4742),
            (b"BX24", 0x3432_5842),
            (b"XR24", 0x3432_5258),
            (b"BGR4", 0x3452_4742),
        ] {
            assert_eq!(v4l2_fourcc(code), value, "{}", fourcc_name(value));
        }
    }

    #[test]
    fn rgb_formats_map_by_byte_order() {
        assert_eq!(format("BGR4").drm, DrmFourcc::Xrgb8888);
        assert_eq!(PixelFormat::xrgb8888(), format("BGR4"));
        assert_eq!(format("XR24").drm, DrmFourcc::Xrgb8888);
        assert_eq!(format("RGB4").drm, DrmFourcc::Bgrx8888);
        assert_eq!(format("XB24").drm, DrmFourcc::Xbgr8888);
        assert_eq!(format("BGR3").drm, DrmFourcc::Rgb888);
        assert_eq!(format("RGB3").drm, DrmFourcc::Bgr888);
        assert_eq!(format("RGBP").drm, DrmFourcc::Rgb565);
    }

    #[test]
    fn yuv_formats_map_to_their_drm_twins() {
        assert_eq!(format("YUYV").drm, DrmFourcc::Yuyv);
        assert_eq!(format("UYVY").drm, DrmFourcc::Uyvy);
        assert_eq!(format("NV12").drm, DrmFourcc::Nv12);
        assert_eq!(format("NM12").drm, DrmFourcc::Nv12);
        assert_eq!(format("NM12").mem_planes, 2);
        assert_eq!(format("YU12").drm, DrmFourcc::Yuv420);
        assert_eq!(format("YV12").drm, DrmFourcc::Yvu420);
        assert_eq!(format("YM12").mem_planes, 3);
    }

    #[test]
    fn the_xrgb8888_accessor_is_the_tables_bgr4() {
        let xrgb = PixelFormat::xrgb8888();
        assert_eq!(xrgb.drm, DrmFourcc::Xrgb8888);
        assert_eq!(xrgb.v4l2, v4l2_fourcc(b"BGR4"));
        assert_eq!(xrgb, format("BGR4"));
    }

    #[test]
    fn the_table_knows_chroma_order_and_subsampling() {
        assert_eq!(format("YUYV").chroma(), packed(0, 1, 3));
        assert_eq!(format("VYUY").chroma(), packed(1, 2, 0));
        assert_eq!(format("NV21").chroma(), semi_planar(2, 2, CR_CB));
        assert_eq!(format("NM16").chroma().subsampling(), (2, 1));
        assert_eq!(format("YV12").chroma(), planar(2, 2, CR_CB));
        assert_eq!(format("BGR4").chroma().subsampling(), (1, 1));
    }

    #[test]
    fn unknown_codes_are_not_mapped() {
        assert_eq!(PixelFormat::from_v4l2(v4l2_fourcc(b"MJPG")), None);
        assert_eq!(PixelFormat::from_v4l2(0), None);
    }

    #[test]
    fn fourcc_text_round_trips() {
        assert_eq!(fourcc_name(v4l2_fourcc(b"YUYV")), "YUYV");
        assert_eq!(fourcc_name(v4l2_fourcc(b"Y10 ")), "Y10");
        assert_eq!(parse_fourcc("Y10"), Some(v4l2_fourcc(b"Y10 ")));
        assert_eq!(fourcc_name(v4l2_fourcc(b"AR15") | 1 << 31), "AR15-BE");
        assert_eq!(parse_fourcc(""), None);
        assert_eq!(parse_fourcc("TOOLONG"), None);
        assert_eq!(parse_fourcc("Y\u{e9}"), None);
        assert_eq!(fourcc_name(v4l2_fourcc(b"A B ")), "A B");
        assert_eq!(fourcc_name(0), "????");
    }

    #[test]
    fn packed_layout_is_one_plane() {
        let layout = format("BGR4")
            .layout(640, 480, &[(2560, 2560 * 480)])
            .unwrap();
        assert_eq!(
            layout,
            vec![PlaneLayout {
                mem_plane: 0,
                offset: 0,
                pitch: 2560,
                size: 2560 * 480
            }]
        );
    }

    #[test]
    fn nv12_in_one_buffer_puts_chroma_after_luma() {
        let layout = format("NV12")
            .layout(640, 480, &[(640, 640 * 480 * 3 / 2)])
            .unwrap();
        assert_eq!(layout.len(), 2);
        assert_eq!((layout[1].mem_plane, layout[1].offset), (0, 640 * 480));
        assert_eq!(layout[1].pitch, 640);
    }

    #[test]
    fn nm12_uses_a_buffer_per_plane() {
        let layout = format("NM12")
            .layout(640, 480, &[(640, 640 * 480), (640, 640 * 240)])
            .unwrap();
        assert_eq!((layout[1].mem_plane, layout[1].offset), (1, 0));
    }

    #[test]
    fn yu12_has_quarter_size_chroma_planes() {
        let layout = format("YU12")
            .layout(640, 480, &[(640, 640 * 480 * 3 / 2)])
            .unwrap();
        let offsets: Vec<u32> = layout.iter().map(|p| p.offset).collect();
        assert_eq!(offsets, vec![0, 640 * 480, 640 * 480 + 320 * 240]);
        assert_eq!(layout[2].pitch, 320);
    }

    #[test]
    fn untrustworthy_driver_numbers_are_errors() {
        let nv12 = format("NV12");
        assert!(matches!(
            nv12.layout(640, 480, &[(640, 640 * 480)]),
            Err(LayoutError::TooSmall { plane: 1, .. })
        ));
        assert!(matches!(
            format("NM12").layout(640, 480, &[(640, 640 * 480)]),
            Err(LayoutError::PlaneCount {
                expected: 2,
                got: 1,
                ..
            })
        ));
        assert!(matches!(
            format("BGR4").layout(640, 480, &[(1280, u32::MAX)]),
            Err(LayoutError::BadPitch { pitch: 1280, .. })
        ));
        assert!(matches!(
            format("YUYV").layout(640, 480, &[(0, 0)]),
            Err(LayoutError::BadPitch { pitch: 0, .. })
        ));
    }

    proptest::proptest! {
        /// Whatever the driver reports, a layout is refused or lies inside the memory planes.
        #[test]
        fn any_driver_numbers_give_a_layout_inside_the_buffers_or_an_error(
            which in 0usize..FORMATS.len(),
            width in 0u32..=u32::MAX,
            height in 0u32..=u32::MAX,
            planes in proptest::collection::vec(
                (proptest::prelude::any::<u32>(), proptest::prelude::any::<u32>()), 0..4),
        ) {
            let format = FORMATS[which];
            if let Ok(layout) = format.layout(width, height, &planes) {
                for plane in layout {
                    let available = u64::from(planes[plane.mem_plane].1);
                    proptest::prop_assert!(u64::from(plane.offset) + plane.size <= available);
                }
            }
        }
    }
}
