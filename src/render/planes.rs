//! How the GPU rung reads a camera format: each colour plane imported as its own texture
//! (R8, GR88, or two 4:2:2 pixels per ABGR8888 texel), and what tells the shader how to
//! put them together (shaders/frame.frag).

use drm_fourcc::DrmFourcc;

use crate::format::{Chroma, PixelFormat, PlaneLayout};

/// One texture to import from a camera buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TexturePlane {
    /// The DRM format the plane is imported as.
    pub fourcc: DrmFourcc,
    pub width: u32,
    pub height: u32,
    pub mem_plane: usize,
    pub offset: u32,
    pub pitch: u32,
}

/// The shader's `layout_kind` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShaderLayout {
    pub kind: i32,
    pub packed_order: [i32; 4],
    pub subsampling: [i32; 2],
    pub swap_chroma: bool,
}

pub const PACKED_422: i32 = 0;
pub const SEMI_PLANAR: i32 = 1;
pub const PLANAR: i32 = 2;
pub const RGB: i32 = 3;

/// Whether the shader can read this format at all.
pub fn supports(format: &PixelFormat) -> bool {
    // A layout of the right shape for any size will do for the question.
    let planes: Vec<(u32, u32)> = (0..format.mem_planes).map(|_| (64, 64 * 64 * 4)).collect();
    format
        .layout(16, 16, &planes)
        .is_ok_and(|layout| describe(format, &layout, 16, 16).is_some())
}

/// The textures and shader layout for a format, or None for one the shader can't read.
pub fn describe(
    format: &PixelFormat,
    layout: &[PlaneLayout],
    width: u32,
    height: u32,
) -> Option<(Vec<TexturePlane>, ShaderLayout)> {
    use DrmFourcc::{Abgr8888, Gr88, R8};
    let plane =
        |i: usize, fourcc: DrmFourcc, w: u32, h: u32| Some(texture(layout.get(i)?, fourcc, w, h));
    let (sx, sy) = format.chroma().subsampling();
    let (cw, ch) = (width.div_ceil(sx), height.div_ceil(sy));
    Some(match format.chroma() {
        Chroma::Packed(bytes) => {
            // The shader's order: which texel channel holds the first Y, U, the second Y, V.
            let [y, u, v] = [bytes.y, bytes.u, bytes.v].map(|i| i as i32);
            let packed = plane(0, Abgr8888, width.div_ceil(2), height)?;
            let order = [y, u, y + 2, v];
            (
                vec![packed],
                ShaderLayout::new(PACKED_422, order, (1, 1), false),
            )
        }
        Chroma::SemiPlanar(sub) => (
            vec![plane(0, R8, width, height)?, plane(1, Gr88, cw, ch)?],
            ShaderLayout::new(SEMI_PLANAR, [0; 4], (sx, sy), sub.cr_first),
        ),
        Chroma::Planar(sub) => (
            vec![
                plane(0, R8, width, height)?,
                plane(1, R8, cw, ch)?,
                plane(2, R8, cw, ch)?,
            ],
            ShaderLayout::new(PLANAR, [0; 4], (sx, sy), sub.cr_first),
        ),
        Chroma::None if samples_as_rgb(format.drm) => (
            vec![plane(0, format.drm, width, height)?],
            ShaderLayout::new(RGB, [0; 4], (1, 1), false),
        ),
        Chroma::None => return None,
    })
}

/// Colour plane `plane` imported as a `width` x `height` texture of `fourcc`.
fn texture(plane: &PlaneLayout, fourcc: DrmFourcc, width: u32, height: u32) -> TexturePlane {
    TexturePlane {
        fourcc,
        width,
        height,
        mem_plane: plane.mem_plane,
        offset: plane.offset,
        pitch: plane.pitch,
    }
}

/// The RGB formats the shader samples as they are; grey and 15-bit RGB are not among them.
fn samples_as_rgb(format: DrmFourcc) -> bool {
    use DrmFourcc::*;
    matches!(
        format,
        Xrgb8888
            | Argb8888
            | Xbgr8888
            | Abgr8888
            | Bgrx8888
            | Bgra8888
            | Rgbx8888
            | Rgba8888
            | Rgb565
            | Rgb888
            | Bgr888
    )
}

impl ShaderLayout {
    fn new(kind: i32, packed_order: [i32; 4], subsampling: (u32, u32), swap_chroma: bool) -> Self {
        ShaderLayout {
            kind,
            packed_order,
            subsampling: [subsampling.0 as i32, subsampling.1 as i32],
            swap_chroma,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse_fourcc;

    fn of(name: &str, planes: &[(u32, u32)]) -> Option<(Vec<TexturePlane>, ShaderLayout)> {
        let format = PixelFormat::from_v4l2(parse_fourcc(name).unwrap()).unwrap();
        let layout = format.layout(640, 480, planes).unwrap();
        describe(&format, &layout, 640, 480)
    }

    #[test]
    fn yuyv_is_one_texel_per_two_pixels() {
        let (planes, shader) = of("YUYV", &[(1280, 1280 * 480)]).unwrap();
        assert_eq!(planes.len(), 1);
        assert_eq!(
            (planes[0].fourcc, planes[0].width, planes[0].pitch),
            (DrmFourcc::Abgr8888, 320, 1280)
        );
        assert_eq!(
            (shader.kind, shader.packed_order),
            (PACKED_422, [0, 1, 2, 3])
        );
        let (_, uyvy) = of("UYVY", &[(1280, 1280 * 480)]).unwrap();
        assert_eq!(uyvy.packed_order, [1, 0, 3, 2]);
    }

    #[test]
    fn nv12_is_luma_and_a_half_size_chroma_pair_texture() {
        let (planes, shader) = of("NV12", &[(640, 640 * 720)]).unwrap();
        assert_eq!(planes[1].fourcc, DrmFourcc::Gr88);
        assert_eq!(
            (planes[1].width, planes[1].height, planes[1].offset),
            (320, 240, 640 * 480)
        );
        assert_eq!(
            (shader.kind, shader.subsampling, shader.swap_chroma),
            (SEMI_PLANAR, [2, 2], false)
        );
        let (_, nv21) = of("NV21", &[(640, 640 * 720)]).unwrap();
        assert!(nv21.swap_chroma);
        let (nm12, _) = of("NM12", &[(640, 640 * 480), (640, 640 * 240)]).unwrap();
        assert_eq!((nm12[1].mem_plane, nm12[1].offset), (1, 0));
    }

    #[test]
    fn yu12_is_three_r8_textures() {
        let (planes, shader) = of("YU12", &[(640, 640 * 720)]).unwrap();
        assert_eq!(planes.len(), 3);
        assert!(planes.iter().all(|p| p.fourcc == DrmFourcc::R8));
        assert_eq!(planes[2].offset, 640 * 480 + 320 * 240);
        assert_eq!(shader.kind, PLANAR);
    }

    #[test]
    fn grey_has_no_shader_path() {
        assert!(of("GREY", &[(640, 640 * 480)]).is_none());
        let grey = PixelFormat::from_v4l2(parse_fourcc("GREY").unwrap()).unwrap();
        assert!(!supports(&grey));
        for name in ["YUYV", "NV12", "NM12", "YU12", "YM12", "BGR4", "RGBP"] {
            assert!(
                supports(&PixelFormat::from_v4l2(parse_fourcc(name).unwrap()).unwrap()),
                "{name}"
            );
        }
    }
}
