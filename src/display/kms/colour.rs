//! The plane's COLOR_ENCODING and COLOR_RANGE: the matrix and range the display converts
//! YCbCr framebuffers to RGB with. Set to the camera's where the plane offers them, so the
//! direct and import rungs show its colours as the gpu rung draws them.

use std::collections::HashMap;

use drm::control::{property, Device as _};

use super::device::Card;
use crate::convert::{Colorimetry, Matrix};

/// One enum property: its handle, its values by name, and its value as glasscam found it.
#[derive(Debug, Clone)]
struct EnumProperty {
    handle: property::Handle,
    values: Vec<(String, u64)>,
    found: u64,
}

/// A plane's colour properties, where it has both.
#[derive(Debug, Clone)]
pub struct ColourProps {
    encoding: EnumProperty,
    range: EnumProperty,
}

/// What to set them to for one camera.
pub type ColourValues = [(property::Handle, u64); 2];

impl ColourProps {
    /// The plane's two properties from its property map; None where it lacks either.
    pub fn find(
        card: &Card,
        plane: &HashMap<String, (property::Handle, u64)>,
    ) -> Option<ColourProps> {
        Some(ColourProps {
            encoding: enum_property(card, *plane.get("COLOR_ENCODING")?)?,
            range: enum_property(card, *plane.get("COLOR_RANGE")?)?,
        })
    }

    /// What a modeset sets under a framebuffer: the camera's values (where the plane lists
    /// them) under YCbCr, and under RGB, which they do not touch, the values as glasscam
    /// found them, so that what it set for a YCbCr camera does not outlast it.
    pub fn under_framebuffer(&self, camera: Option<ColourValues>, ycbcr: bool) -> ColourValues {
        let found = [
            (self.encoding.handle, self.encoding.found),
            (self.range.handle, self.range.found),
        ];
        camera.filter(|_| ycbcr).unwrap_or(found)
    }

    /// The values for `colorimetry`; None where the plane does not list them.
    pub fn values_for(&self, colorimetry: Colorimetry) -> Option<ColourValues> {
        let value = |p: &EnumProperty, name: &str| {
            let found = p.values.iter().find(|(n, _)| n == name)?;
            Some((p.handle, found.1))
        };
        Some([
            value(&self.encoding, encoding_name(colorimetry.matrix))?,
            value(&self.range, range_name(colorimetry.full_range))?,
        ])
    }
}

/// The kernel's names for the matrices (drm_color_mgmt.c).
fn encoding_name(matrix: Matrix) -> &'static str {
    match matrix {
        Matrix::Bt601 => "ITU-R BT.601 YCbCr",
        Matrix::Bt709 => "ITU-R BT.709 YCbCr",
        Matrix::Bt2020 => "ITU-R BT.2020 YCbCr",
    }
}

fn range_name(full_range: bool) -> &'static str {
    if full_range {
        "YCbCr full range"
    } else {
        "YCbCr limited range"
    }
}

fn enum_property(card: &Card, (handle, found): (property::Handle, u64)) -> Option<EnumProperty> {
    let info = card.get_property(handle).ok()?;
    let property::ValueType::Enum(values) = info.value_type() else {
        return None;
    };
    let values = values
        .values()
        .1
        .iter()
        .map(|v| (v.name().to_string_lossy().into_owned(), v.value()))
        .collect();
    Some(EnumProperty {
        handle,
        values,
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The enum lists i915 and amdgpu planes carry.
    fn props() -> ColourProps {
        let list = |handle: u32, names: &[&str]| EnumProperty {
            handle: drm::control::from_u32(handle).unwrap(),
            values: names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.to_string(), i as u64))
                .collect(),
            found: 0,
        };
        ColourProps {
            encoding: list(
                7,
                &[
                    "ITU-R BT.601 YCbCr",
                    "ITU-R BT.709 YCbCr",
                    "ITU-R BT.2020 YCbCr",
                ],
            ),
            range: list(8, &["YCbCr limited range", "YCbCr full range"]),
        }
    }

    #[test]
    fn the_cameras_matrix_and_range_are_the_planes_values_of_those_names() {
        let limited_601 = Colorimetry::from_v4l2(0, 0, 0);
        let [(encoding, e), (range, r)] = props().values_for(limited_601).unwrap();
        assert_eq!((u32::from(encoding), e, u32::from(range), r), (7, 0, 8, 0));
        let full_709 = Colorimetry {
            matrix: Matrix::Bt709,
            full_range: true,
        };
        let [(_, e), (_, r)] = props().values_for(full_709).unwrap();
        assert_eq!((e, r), (1, 1));
    }

    #[test]
    fn the_cameras_values_go_under_ycbcr_framebuffers_only() {
        let mut props = props();
        props.encoding.found = 2;
        props.range.found = 0;
        let full_709 = Colorimetry {
            matrix: Matrix::Bt709,
            full_range: true,
        };
        let camera = props.values_for(full_709);
        let values = |v: ColourValues| (v[0].1, v[1].1);
        assert_eq!(values(props.under_framebuffer(camera, true)), (1, 1));
        // RGB (a gpu or copy rung's targets, an RGB camera): the plane as found.
        assert_eq!(values(props.under_framebuffer(camera, false)), (2, 0));
        // A camera the plane could not be told about: not another camera's values.
        assert_eq!(values(props.under_framebuffer(None, true)), (2, 0));
    }

    #[test]
    fn a_matrix_the_plane_does_not_list_is_not_set() {
        let mut props = props();
        props.encoding.values.truncate(2);
        let bt2020 = Colorimetry {
            matrix: Matrix::Bt2020,
            full_range: false,
        };
        assert!(props.values_for(bt2020).is_none());
    }
}
