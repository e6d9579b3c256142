//! The copy rung's CPU conversion: any mapped camera format into XRGB8888, with the YCbCr
//! matrix and range the driver reports. It is also the reference the GPU shaders are tested
//! against. Every byte it writes is counted as copied.

use drm_fourcc::DrmFourcc;

use crate::format::{Chroma, PixelFormat, PlaneLayout};

/// The YCbCr → RGB matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matrix {
    Bt601,
    Bt709,
    Bt2020,
}

/// How YCbCr samples are to be read, from the V4L2 format's colorimetry fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colorimetry {
    pub matrix: Matrix,
    pub full_range: bool,
}

// Values from linux/videodev2.h.
const COLORSPACE_REC709: u32 = 3;
const COLORSPACE_JPEG: u32 = 7;
const COLORSPACE_BT2020: u32 = 10;
const YCBCR_ENC_601: u32 = 1;
const YCBCR_ENC_709: u32 = 2;
const YCBCR_ENC_XV601: u32 = 3;
const YCBCR_ENC_XV709: u32 = 4;
const YCBCR_ENC_SYCC: u32 = 5;
const YCBCR_ENC_BT2020: u32 = 6;
const YCBCR_ENC_BT2020_CONST_LUM: u32 = 7;
const QUANTIZATION_FULL: u32 = 1;
const QUANTIZATION_LIMITED: u32 = 2;

impl Colorimetry {
    /// Resolves V4L2's "default" values the way the kernel's V4L2_MAP_* macros do.
    pub fn from_v4l2(colorspace: u32, ycbcr_enc: u32, quantization: u32) -> Colorimetry {
        let matrix = match ycbcr_enc {
            YCBCR_ENC_709 | YCBCR_ENC_XV709 => Matrix::Bt709,
            YCBCR_ENC_BT2020 | YCBCR_ENC_BT2020_CONST_LUM => Matrix::Bt2020,
            YCBCR_ENC_601 | YCBCR_ENC_XV601 | YCBCR_ENC_SYCC => Matrix::Bt601,
            _ => match colorspace {
                COLORSPACE_REC709 => Matrix::Bt709,
                COLORSPACE_BT2020 => Matrix::Bt2020,
                _ => Matrix::Bt601,
            },
        };
        let full_range = match quantization {
            QUANTIZATION_FULL => true,
            QUANTIZATION_LIMITED => false,
            _ => colorspace == COLORSPACE_JPEG,
        };
        Colorimetry { matrix, full_range }
    }

    /// As a line names it: "BT.601 limited range".
    pub fn describe(&self) -> String {
        let matrix = match self.matrix {
            Matrix::Bt601 => "BT.601",
            Matrix::Bt709 => "BT.709",
            Matrix::Bt2020 => "BT.2020",
        };
        let range = if self.full_range { "full" } else { "limited" };
        format!("{matrix} {range} range")
    }

    /// (y scale, y offset, Cr→R, Cb→G, Cr→G, Cb→B) for samples in 0..=255; the GPU
    /// shaders take these as they are.
    pub fn coefficients(&self) -> [f64; 6] {
        let (kr, kb) = match self.matrix {
            Matrix::Bt601 => (0.299, 0.114),
            Matrix::Bt709 => (0.2126, 0.0722),
            Matrix::Bt2020 => (0.2627, 0.0593),
        };
        let (y_scale, c_scale, y_offset) = if self.full_range {
            (1.0, 1.0, 0)
        } else {
            (255.0 / 219.0, 255.0 / 224.0, 16)
        };
        let kg = 1.0 - kr - kb;
        [
            y_scale,
            f64::from(y_offset),
            2.0 * (1.0 - kr) * c_scale,
            2.0 * (1.0 - kb) * kb / kg * c_scale,
            2.0 * (1.0 - kr) * kr / kg * c_scale,
            2.0 * (1.0 - kb) * c_scale,
        ]
    }

    /// The same in 16.16 fixed point (the y offset stays whole), for the CPU loop.
    fn fixed_coefficients(&self) -> [i32; 6] {
        let c = self.coefficients();
        let fixed = |v: f64| (v * 65536.0).round() as i32;
        [
            fixed(c[0]),
            c[1] as i32,
            fixed(c[2]),
            fixed(c[3]),
            fixed(c[4]),
            fixed(c[5]),
        ]
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConvertError {
    /// A plane or the destination is smaller than the frame needs.
    #[error("{what} holds {have} bytes, the frame needs {need}")]
    TooSmall {
        what: &'static str,
        have: usize,
        need: usize,
    },
}

/// One colour plane of the source: its bytes (from its offset on) and its pitch.
struct Plane<'a> {
    data: &'a [u8],
    pitch: usize,
}

impl Plane<'_> {
    fn at(&self, x: usize, y: usize) -> u8 {
        self.data[y * self.pitch + x]
    }
}

#[inline]
fn clamp(v: i32) -> u8 {
    (v >> 16).clamp(0, 255) as u8
}

/// Converts one frame into XRGB8888 (bytes B, G, R, X) at `dst` with `dst_pitch`.
/// `mem` holds each V4L2 memory plane's bytes. Returns the bytes written.
pub fn to_xrgb8888(
    format: &PixelFormat,
    layout: &[PlaneLayout],
    mem: &[&[u8]],
    (width, height): (u32, u32),
    colorimetry: Colorimetry,
    dst: &mut [u8],
    dst_pitch: usize,
) -> Result<u64, ConvertError> {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 {
        return Ok(0);
    }
    check_destination(dst.len(), dst_pitch, w, h)?;
    let planes = source_planes(layout, mem)?;
    let ycbcr = YcbcrToBgr::new(colorimetry);
    for row in 0..h {
        let out = &mut dst[row * dst_pitch..row * dst_pitch + w * 4];
        for (x, px) in out.chunks_exact_mut(4).enumerate() {
            px[..3].copy_from_slice(&pixel_at(format, &planes, &ycbcr, x, row));
            px[3] = 0xff;
        }
    }
    Ok((w * h * 4) as u64)
}

/// Refuses a destination too small for `w` x `h` pixels at `dst_pitch`.
fn check_destination(len: usize, dst_pitch: usize, w: usize, h: usize) -> Result<(), ConvertError> {
    let need = dst_pitch
        .checked_mul(h - 1)
        .and_then(|n| n.checked_add(w * 4))
        .unwrap_or(usize::MAX);
    if len < need || dst_pitch < w * 4 {
        return Err(ConvertError::TooSmall {
            what: "the display buffer",
            have: len,
            need,
        });
    }
    Ok(())
}

/// Each colour plane's bytes, refusing a memory plane too short for its layout.
fn source_planes<'a>(
    layout: &[PlaneLayout],
    mem: &[&'a [u8]],
) -> Result<Vec<Plane<'a>>, ConvertError> {
    let mut planes = Vec::with_capacity(layout.len());
    for plane in layout {
        let data = mem.get(plane.mem_plane).copied().unwrap_or_default();
        let start = plane.offset as usize;
        let need = start + plane.size as usize;
        if data.len() < need {
            return Err(ConvertError::TooSmall {
                what: "a camera plane",
                have: data.len(),
                need,
            });
        }
        planes.push(Plane {
            data: &data[start..need],
            pitch: plane.pitch as usize,
        });
    }
    Ok(planes)
}

/// The YCbCr → RGB arithmetic in fixed point, with one frame's colorimetry.
struct YcbcrToBgr {
    coefficients: [i32; 6],
}

impl YcbcrToBgr {
    fn new(colorimetry: Colorimetry) -> YcbcrToBgr {
        YcbcrToBgr {
            coefficients: colorimetry.fixed_coefficients(),
        }
    }

    /// One pixel as (B, G, R).
    #[inline]
    fn bgr(&self, y: u8, u: u8, v: u8) -> [u8; 3] {
        let [ys, yo, cr_r, cb_g, cr_g, cb_b] = self.coefficients;
        let l = (i32::from(y) - yo) * ys + (1 << 15);
        let (u, v) = (i32::from(u) - 128, i32::from(v) - 128);
        [
            clamp(l + cb_b * u),
            clamp(l - cb_g * u - cr_g * v),
            clamp(l + cr_r * v),
        ]
    }
}

/// Pixel (x, row) as (B, G, R), its samples read where the format puts them.
#[inline]
fn pixel_at(
    format: &PixelFormat,
    planes: &[Plane],
    ycbcr: &YcbcrToBgr,
    x: usize,
    row: usize,
) -> [u8; 3] {
    match format.chroma() {
        Chroma::Packed(bytes) => {
            let group = (x / 2) * 4;
            let p = &planes[0];
            ycbcr.bgr(
                p.at(group + bytes.y + (x % 2) * 2, row),
                p.at(group + bytes.u, row),
                p.at(group + bytes.v, row),
            )
        }
        Chroma::SemiPlanar(sub) => {
            let (sx, sy) = (sub.horizontal as usize, sub.vertical as usize);
            let c = (x / sx) * 2;
            let (a, b) = (planes[1].at(c, row / sy), planes[1].at(c + 1, row / sy));
            let (u, v) = if sub.cr_first { (b, a) } else { (a, b) };
            ycbcr.bgr(planes[0].at(x, row), u, v)
        }
        Chroma::Planar(sub) => {
            let (cx, cy) = (x / sub.horizontal as usize, row / sub.vertical as usize);
            let (u, v) = (planes[1].at(cx, cy), planes[2].at(cx, cy));
            let (u, v) = if sub.cr_first { (v, u) } else { (u, v) };
            ycbcr.bgr(planes[0].at(x, row), u, v)
        }
        Chroma::None => rgb_at(format.drm, &planes[0], x, row),
    }
}

/// One RGB-family pixel as (B, G, R).
fn rgb_at(format: DrmFourcc, plane: &Plane, x: usize, y: usize) -> [u8; 3] {
    use DrmFourcc::*;
    let bytes = |n: usize| &plane.data[y * plane.pitch + x * n..y * plane.pitch + x * n + n];
    let expand5 = |v: u16| ((v << 3) | (v >> 2)) as u8;
    let expand6 = |v: u16| ((v << 2) | (v >> 4)) as u8;
    // Bytes per pixel and where B, G, R sit: DRM names little-endian words, high byte first.
    let order = match format {
        Xrgb8888 | Argb8888 => Some((4, [0, 1, 2])),
        Xbgr8888 | Abgr8888 => Some((4, [2, 1, 0])),
        Bgrx8888 | Bgra8888 => Some((4, [3, 2, 1])),
        Rgbx8888 | Rgba8888 => Some((4, [1, 2, 3])),
        Rgb888 => Some((3, [0, 1, 2])),
        Bgr888 => Some((3, [2, 1, 0])),
        _ => None,
    };
    if let Some((n, [b, g, r])) = order {
        let p = bytes(n);
        return [p[b], p[g], p[r]];
    }
    match format {
        Rgb565 => {
            let p = bytes(2);
            let v = u16::from_le_bytes([p[0], p[1]]);
            [
                expand5(v & 0x1f),
                expand6((v >> 5) & 0x3f),
                expand5(v >> 11),
            ]
        }
        Xrgb1555 | Argb1555 => {
            let p = bytes(2);
            let v = u16::from_le_bytes([p[0], p[1]]);
            [
                expand5(v & 0x1f),
                expand5((v >> 5) & 0x1f),
                expand5((v >> 10) & 0x1f),
            ]
        }
        _ => {
            // R8 (grey) and anything left: one luma-like byte.
            let g = bytes(1)[0];
            [g, g, g]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{parse_fourcc, FORMATS};

    const BT601_LIMITED: Colorimetry = Colorimetry {
        matrix: Matrix::Bt601,
        full_range: false,
    };

    fn convert(name: &str, w: u32, h: u32, mem: &[&[u8]], pitches: &[(u32, u32)]) -> Vec<u8> {
        let format = PixelFormat::from_v4l2(parse_fourcc(name).unwrap()).unwrap();
        let layout = format.layout(w, h, pitches).unwrap();
        let mut dst = vec![0; (w * h * 4) as usize];
        to_xrgb8888(
            &format,
            &layout,
            mem,
            (w, h),
            BT601_LIMITED,
            &mut dst,
            (w * 4) as usize,
        )
        .unwrap();
        dst
    }

    /// Within `tolerance` per channel of (R, G, B) at pixel `i`.
    fn near(dst: &[u8], i: usize, rgb: (u8, u8, u8), tolerance: u8) -> bool {
        let (b, g, r) = (dst[i * 4], dst[i * 4 + 1], dst[i * 4 + 2]);
        r.abs_diff(rgb.0) <= tolerance
            && g.abs_diff(rgb.1) <= tolerance
            && b.abs_diff(rgb.2) <= tolerance
    }

    // BT.601 limited-range YCbCr of 75% colour bars (ITU-R BT.801): white, yellow, red, blue.
    const WHITE: (u8, u8, u8) = (180, 128, 128);
    const YELLOW: (u8, u8, u8) = (162, 44, 142);
    const RED: (u8, u8, u8) = (65, 100, 212);
    const BLUE: (u8, u8, u8) = (35, 212, 114);

    #[test]
    fn colorimetry_defaults_follow_the_kernel() {
        // sRGB webcam YUV: BT.601 limited; JPEG: full; REC709: BT.709.
        assert_eq!(Colorimetry::from_v4l2(8, 0, 0), BT601_LIMITED);
        assert!(Colorimetry::from_v4l2(COLORSPACE_JPEG, 0, 0).full_range);
        assert_eq!(
            Colorimetry::from_v4l2(COLORSPACE_REC709, 0, 0).matrix,
            Matrix::Bt709
        );
        assert_eq!(
            Colorimetry::from_v4l2(8, YCBCR_ENC_BT2020, QUANTIZATION_FULL).matrix,
            Matrix::Bt2020
        );
    }

    #[test]
    fn yuyv_bars_become_75_percent_rgb() {
        // Two pixels per group: white+white, yellow+yellow, red+red, blue+blue.
        let mut src = Vec::new();
        for (y, u, v) in [WHITE, YELLOW, RED, BLUE] {
            src.extend_from_slice(&[y, u, y, v]);
        }
        let dst = convert("YUYV", 8, 1, &[&src], &[(16, 16)]);
        assert!(near(&dst, 0, (191, 191, 191), 2), "{:?}", &dst[..4]);
        assert!(near(&dst, 2, (191, 191, 0), 2), "{:?}", &dst[8..12]);
        assert!(near(&dst, 4, (191, 0, 0), 2), "{:?}", &dst[16..20]);
        assert!(near(&dst, 6, (0, 0, 191), 2), "{:?}", &dst[24..28]);
        assert_eq!(dst[3], 0xff);
    }

    #[test]
    fn uyvy_orders_chroma_first() {
        let (y, u, v) = RED;
        let dst = convert("UYVY", 2, 1, &[&[u, y, v, y]], &[(4, 4)]);
        assert!(near(&dst, 1, (191, 0, 0), 2), "{:?}", &dst);
    }

    #[test]
    fn nv12_shares_chroma_over_two_by_two() {
        let (y, u, v) = BLUE;
        let mut src = vec![y; 4];
        src.extend_from_slice(&[u, v]);
        let dst = convert("NV12", 2, 2, &[&src], &[(2, 6)]);
        for i in 0..4 {
            assert!(near(&dst, i, (0, 0, 191), 2), "{i}: {:?}", &dst);
        }
        // NV21 swaps the chroma bytes: the same bytes read as V, U are a different colour.
        let swapped = convert("NV21", 2, 2, &[&src], &[(2, 6)]);
        assert!(!near(&swapped, 0, (0, 0, 191), 20));
    }

    #[test]
    fn nm12_reads_its_second_buffer() {
        let (y, u, v) = YELLOW;
        let dst = convert("NM12", 2, 2, &[&[y; 4], &[u, v]], &[(2, 4), (2, 2)]);
        assert!(near(&dst, 3, (191, 191, 0), 2), "{:?}", &dst);
    }

    #[test]
    fn yu12_reads_three_planes() {
        let (y, u, v) = RED;
        let src = [y, y, y, y, u, v];
        let dst = convert("YU12", 2, 2, &[&src], &[(2, 6)]);
        assert!(near(&dst, 2, (191, 0, 0), 2), "{:?}", &dst);
        let yv = convert("YV12", 2, 2, &[&src], &[(2, 6)]);
        assert!(!near(&yv, 2, (191, 0, 0), 20));
    }

    #[test]
    fn full_range_and_bt709_change_the_result() {
        let format = PixelFormat::from_v4l2(parse_fourcc("YUYV").unwrap()).unwrap();
        let layout = format.layout(2, 1, &[(4, 4)]).unwrap();
        let src = [235u8, 128, 235, 128];
        let mut limited = vec![0; 8];
        let mut full = vec![0; 8];
        to_xrgb8888(
            &format,
            &layout,
            &[&src],
            (2, 1),
            BT601_LIMITED,
            &mut limited,
            8,
        )
        .unwrap();
        let full_601 = Colorimetry {
            matrix: Matrix::Bt601,
            full_range: true,
        };
        to_xrgb8888(&format, &layout, &[&src], (2, 1), full_601, &mut full, 8).unwrap();
        assert_eq!(&limited[..3], &[255, 255, 255]);
        assert_eq!(&full[..3], &[235, 235, 235]);
        // A saturated red decodes differently under BT.709.
        let (y, u, v) = RED;
        let red = [y, u, y, v];
        let mut bt709 = vec![0; 8];
        let c709 = Colorimetry {
            matrix: Matrix::Bt709,
            full_range: false,
        };
        to_xrgb8888(&format, &layout, &[&red], (2, 1), c709, &mut bt709, 8).unwrap();
        assert!(!near(&bt709, 0, (191, 0, 0), 5), "{:?}", &bt709);
    }

    #[test]
    fn rgb_formats_are_reordered_into_xrgb() {
        // BGR4: bytes B, G, R, X.
        let dst = convert("BGR4", 1, 1, &[&[10, 20, 30, 0]], &[(4, 4)]);
        assert_eq!(&dst[..3], &[10, 20, 30]);
        // RGB3: bytes R, G, B.
        let dst = convert("RGB3", 1, 1, &[&[30, 20, 10]], &[(3, 3)]);
        assert_eq!(&dst[..3], &[10, 20, 30]);
        // XB24: bytes R, G, B, X; RGB4: X, R, G, B; RX24: X, B, G, R.
        assert_eq!(
            &convert("XB24", 1, 1, &[&[30, 20, 10, 0]], &[(4, 4)])[..3],
            &[10, 20, 30]
        );
        assert_eq!(
            &convert("RGB4", 1, 1, &[&[0, 30, 20, 10]], &[(4, 4)])[..3],
            &[10, 20, 30]
        );
        assert_eq!(
            &convert("RX24", 1, 1, &[&[0, 10, 20, 30]], &[(4, 4)])[..3],
            &[10, 20, 30]
        );
        // RGBP: RGB565, pure red is 0xf800.
        let dst = convert("RGBP", 1, 1, &[&[0x00, 0xf8]], &[(2, 2)]);
        assert_eq!(&dst[..3], &[0, 0, 255]);
    }

    #[test]
    fn short_buffers_are_errors_not_panics() {
        let format = PixelFormat::from_v4l2(parse_fourcc("YUYV").unwrap()).unwrap();
        let layout = format.layout(4, 2, &[(8, 16)]).unwrap();
        let mut dst = vec![0; 32];
        let short = [0u8; 8];
        assert!(matches!(
            to_xrgb8888(
                &format,
                &layout,
                &[&short],
                (4, 2),
                BT601_LIMITED,
                &mut dst,
                16
            ),
            Err(ConvertError::TooSmall { .. })
        ));
        let src = [0u8; 16];
        let mut small = vec![0; 8];
        assert!(to_xrgb8888(
            &format,
            &layout,
            &[&src],
            (4, 2),
            BT601_LIMITED,
            &mut small,
            16
        )
        .is_err());
    }

    proptest::proptest! {
        /// Whatever a driver reports for a small frame, conversion converts it or returns an
        /// error: it never panics.
        #[test]
        fn small_frames_with_plausible_numbers_convert_or_are_refused(
            which in 0usize..FORMATS.len(),
            width in 0u32..48,
            height in 0u32..48,
            pitch in 0u32..256,
            len in 0u32..16_384,
            dst_pitch in 0usize..256,
        ) {
            let format = FORMATS[which];
            let planes = vec![(pitch, len); format.mem_planes];
            let Ok(layout) = format.layout(width, height, &planes) else {
                return Ok(());
            };
            let mem = vec![vec![0x80u8; len as usize]; format.mem_planes];
            let mem: Vec<&[u8]> = mem.iter().map(Vec::as_slice).collect();
            let mut dst = vec![0u8; dst_pitch * height as usize];
            let colorimetry = Colorimetry::from_v4l2(0, 0, 0);
            let _ = to_xrgb8888(
                &format, &layout, &mem, (width, height), colorimetry, &mut dst, dst_pitch);
        }
    }
}
