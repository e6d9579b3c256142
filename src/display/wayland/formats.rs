//! Which formats the compositor imports, and the camera format glasscam picks among them.

use wayland_client::WEnum;
use wayland_protocols::wp::linux_dmabuf::zv1::client::zwp_linux_dmabuf_feedback_v1::TrancheFlags;

use super::error::WaylandError;
use super::state::WaylandState;
use crate::format::{fourcc_name, PixelFormat, MODIFIER_LINEAR};

/// DRM_FORMAT_MOD_INVALID: "implicit", which compositors take as linear for foreign buffers.
pub const MODIFIER_INVALID: u64 = 0x00ff_ffff_ffff_ffff;

/// (format, modifier, preference rank) for everything the compositor imports: from the
/// surface's (else the default) feedback tranches, the scanout tranche first; with v3 from
/// its modifier list.
pub fn offered_formats(state: &WaylandState) -> Vec<(u32, u64, usize)> {
    let Some(feedback) = state
        .feedback
        .surface
        .as_ref()
        .or(state.feedback.default.as_ref())
    else {
        return state
            .dmabuf
            .modifiers()
            .iter()
            .map(|f| (f.format, f.modifier, 0))
            .collect();
    };
    let table = feedback.format_table();
    let mut tranches: Vec<_> = feedback.tranches().iter().enumerate().collect();
    tranches.sort_by_key(|(rank, tranche)| {
        let scanout =
            matches!(tranche.flags, WEnum::Value(flags) if flags.contains(TrancheFlags::Scanout));
        (!scanout, *rank)
    });
    let mut offered = Vec::new();
    for (rank, (_, tranche)) in tranches.into_iter().enumerate() {
        for &i in &tranche.formats {
            // The table comes from the compositor: an index past its end is skipped.
            if let Some(entry) = table.get(usize::from(i)) {
                offered.push((entry.format, entry.modifier, rank));
            }
        }
    }
    offered
}

/// The candidate the compositor takes with a LINEAR (or implicit) layout in its most
/// preferred tranche, earlier candidates first; LINEAR over implicit for the same format.
pub fn choose_format(
    offered: &[(u32, u64, usize)],
    candidates: &[PixelFormat],
) -> Result<(PixelFormat, u64), WaylandError> {
    let usable = |modifier: u64| modifier == MODIFIER_LINEAR || modifier == MODIFIER_INVALID;
    let best = candidates
        .iter()
        .enumerate()
        .flat_map(|(order, candidate)| {
            offered
                .iter()
                .filter(move |&&(format, modifier, _)| {
                    format == candidate.drm as u32 && usable(modifier)
                })
                .map(move |&(_, modifier, rank)| {
                    (
                        (rank, order, modifier != MODIFIER_LINEAR),
                        *candidate,
                        modifier,
                    )
                })
        })
        .min_by_key(|&(key, _, _)| key);
    if let Some((_, format, modifier)) = best {
        return Ok((format, modifier));
    }
    let mut names: Vec<String> = offered
        .iter()
        .filter(|&&(_, modifier, _)| usable(modifier))
        .map(|&(format, _, _)| fourcc_name(format))
        .collect();
    names.sort();
    names.dedup();
    Err(WaylandError::NoFormat {
        wanted: candidates
            .iter()
            .map(PixelFormat::name)
            .collect::<Vec<_>>()
            .join(" "),
        available: names.join(" "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{parse_fourcc, PixelFormat};

    fn pixel(name: &str) -> PixelFormat {
        PixelFormat::from_v4l2(parse_fourcc(name).unwrap()).unwrap()
    }

    fn drm(name: &str) -> u32 {
        pixel(name).drm as u32
    }

    #[test]
    fn the_earliest_tranche_wins_over_camera_order() {
        let offered = [
            (drm("YUYV"), MODIFIER_LINEAR, 1),
            (drm("NV12"), MODIFIER_LINEAR, 0),
        ];
        let (chosen, _) = choose_format(&offered, &[pixel("YUYV"), pixel("NV12")]).unwrap();
        assert_eq!(chosen.name(), "NV12");
    }

    #[test]
    fn within_a_tranche_the_camera_order_wins() {
        let offered = [
            (drm("NV12"), MODIFIER_LINEAR, 0),
            (drm("YUYV"), MODIFIER_LINEAR, 0),
        ];
        let (chosen, _) = choose_format(&offered, &[pixel("YUYV"), pixel("NV12")]).unwrap();
        assert_eq!(chosen.name(), "YUYV");
    }

    #[test]
    fn linear_is_preferred_to_implicit_and_tiled_is_never_used() {
        let tiled = 0x0100_0000_0000_0001;
        let offered = [
            (drm("YUYV"), MODIFIER_INVALID, 0),
            (drm("YUYV"), MODIFIER_LINEAR, 0),
            (drm("NV12"), tiled, 0),
        ];
        assert_eq!(
            choose_format(&offered, &[pixel("YUYV")]).unwrap().1,
            MODIFIER_LINEAR
        );
        let err = choose_format(&offered, &[pixel("NV12")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot import NV12"), "{err}");
        assert!(err.contains("YUYV") && !err.contains("NV12 ("), "{err}");
    }
}
