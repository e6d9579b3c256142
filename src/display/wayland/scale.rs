//! The scale the compositor would have the window drawn at: wp_fractional_scale_v1's
//! preferred scale where it offers the protocol, else the integer scale sctk reports. Where
//! glasscam picks the window's size, it is the picture's size divided by this scale, so one
//! camera pixel is one pixel of the output (sharp on HiDPI); the viewport's destination is
//! in logical pixels either way.

use smithay_client_toolkit::output::OutputState;
use wayland_client::globals::GlobalList;
use wayland_client::protocol::wl_surface::WlSurface;
use wayland_client::{Dispatch, QueueHandle};
use wayland_protocols::wp::fractional_scale::v1::client::{
    wp_fractional_scale_manager_v1::WpFractionalScaleManagerV1,
    wp_fractional_scale_v1::WpFractionalScaleV1,
};

/// wp_fractional_scale_v1 counts in 120ths.
pub const UNSCALED: u32 = 120;

#[derive(Debug)]
pub struct ScaleState {
    fractional: Option<WpFractionalScaleV1>,
    /// In 120ths.
    pub scale120: u32,
}

impl Default for ScaleState {
    fn default() -> ScaleState {
        ScaleState {
            fractional: None,
            scale120: UNSCALED,
        }
    }
}

impl ScaleState {
    /// Follows the preferred scale of the window's `surface`.
    pub fn follow<D>(globals: &GlobalList, qh: &QueueHandle<D>, surface: &WlSurface) -> ScaleState
    where
        D: Dispatch<WpFractionalScaleManagerV1, ()> + Dispatch<WpFractionalScaleV1, ()> + 'static,
    {
        let fractional = globals
            .bind::<WpFractionalScaleManagerV1, _, _>(qh, 1..=1, ())
            .ok()
            .map(|manager| {
                let object = manager.get_fractional_scale(surface, qh, ());
                // One object is all glasscam asks of it.
                manager.destroy();
                object
            });
        ScaleState {
            fractional,
            scale120: UNSCALED,
        }
    }

    /// Before the window is on an output (the compositor says its preferred scale only
    /// then), the outputs' own: where they all agree, as with a single output.
    pub fn guess_from(&mut self, outputs: &OutputState) {
        let scales: Vec<u32> = outputs
            .outputs()
            .filter_map(|output| outputs.info(&output))
            .map(|info| {
                let mode = info.modes.iter().find(|m| m.current).map(|m| m.dimensions);
                output_scale120(mode, info.logical_size, info.scale_factor)
            })
            .collect();
        if let [first, rest @ ..] = &scales[..] {
            if rest.iter().all(|s| s == first) {
                self.scale120 = *first;
            }
        }
    }

    /// wp_fractional_scale_v1's preferred scale, in 120ths.
    pub fn preferred(&mut self, scale120: u32) {
        self.scale120 = scale120.max(1);
    }

    /// sctk's integer scale (wl_surface.preferred_buffer_scale, or the outputs'), which
    /// counts only without the fractional protocol.
    pub fn integer_scale_changed(&mut self, factor: i32) {
        if self.fractional.is_none() {
            self.scale120 = integer_scale120(factor);
        }
    }

    pub fn destroy(&mut self) {
        if let Some(object) = self.fractional.take() {
            object.destroy();
        }
    }
}

/// An output's scale in 120ths: its mode's size over its logical size (xdg-output), which
/// may be fractional, else its integer wl_output scale.
fn output_scale120(mode: Option<(i32, i32)>, logical: Option<(i32, i32)>, factor: i32) -> u32 {
    match (mode, logical) {
        // The longer sides: a turned output swaps both the same way.
        (Some((mw, mh)), Some((lw, lh))) if lw > 0 && lh > 0 && mw > 0 && mh > 0 => {
            let (mode_side, logical_side) = (mw.max(mh) as u64, lw.max(lh) as u64);
            ((mode_side * u64::from(UNSCALED) + logical_side / 2) / logical_side) as u32
        }
        _ => integer_scale120(factor),
    }
}

/// An integer scale (wl_output's, or the surface's preferred buffer scale) in 120ths; 0 or
/// less, sent by no sane compositor, counts as 1.
fn integer_scale120(factor: i32) -> u32 {
    UNSCALED * factor.max(1) as u32
}

/// The logical size that shows `size` pixels one to one on an output at `scale120`.
pub fn logical(size: (u32, u32), scale120: u32) -> (u32, u32) {
    let down = |n: u32| {
        ((u64::from(n) * u64::from(UNSCALED) + u64::from(scale120) / 2)
            / u64::from(scale120.max(1))) as u32
    };
    (down(size.0).max(1), down(size.1).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outputs_scale_is_its_mode_over_its_logical_size() {
        assert_eq!(output_scale120(Some((1024, 768)), Some((512, 384)), 2), 240);
        assert_eq!(
            output_scale120(Some((2880, 1800)), Some((1920, 1200)), 2),
            180
        );
        // Turned: the logical size is tall.
        assert_eq!(
            output_scale120(Some((2880, 1800)), Some((1200, 1920)), 2),
            180
        );
        // No xdg-output: the integer scale.
        assert_eq!(output_scale120(Some((2880, 1800)), None, 2), 240);
        assert_eq!(output_scale120(None, None, 0), UNSCALED);
    }

    #[test]
    fn the_logical_size_divides_by_the_scale() {
        assert_eq!(logical((640, 480), UNSCALED), (640, 480));
        assert_eq!(logical((640, 480), 240), (320, 240));
        // 1.5: 640x480 pixels are 426.67x320 logical, rounded.
        assert_eq!(logical((640, 480), 180), (427, 320));
    }
}
