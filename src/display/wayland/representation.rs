//! wp_color_representation_v1: telling the compositor which matrix and range turn the
//! camera's YCbCr frames into RGB, where it offers the pair.
//!
//! The representation is double-buffered surface state and a commit checks it against the
//! committed buffer: BT.601 with an RGB buffer is a protocol error. So it changes only in
//! the commit that attaches a buffer of the other kind (the gpu and copy rungs' frames and
//! a switch's black frame are RGB), never on its own.

use std::collections::HashSet;

use wayland_client::globals::GlobalList;
use wayland_client::protocol::wl_surface::WlSurface;
use wayland_client::{Connection, Dispatch, QueueHandle, WEnum};
use wayland_protocols::wp::color_representation::v1::client::{
    wp_color_representation_manager_v1::{self, WpColorRepresentationManagerV1},
    wp_color_representation_surface_v1::{Coefficients, Range, WpColorRepresentationSurfaceV1},
};

use crate::convert::{Colorimetry, Matrix};
use crate::display::BufferId;

/// A matrix and range as the protocol names them.
type Pair = (Coefficients, Range);

#[derive(Default)]
pub struct RepresentationState {
    manager: Option<WpColorRepresentationManagerV1>,
    /// The pairs the compositor takes, sent right after binding.
    supported: Vec<Pair>,
    /// What the camera's YCbCr frames are, where the compositor takes it.
    wanted: Option<Pair>,
    /// The buffers holding YCbCr frames.
    ycbcr: HashSet<BufferId>,
    /// The surface's extension object, while it carries a representation.
    object: Option<WpColorRepresentationSurfaceV1>,
    /// What the last commit carried (None: the compositor's default).
    applied: Option<Pair>,
}

/// What the next commit must change.
#[derive(Debug, PartialEq)]
enum Change {
    Keep,
    Set(Pair),
    /// Back to the compositor's default, by destroying the object.
    Unset,
}

pub trait RepresentationHandler {
    fn representation_state(&mut self) -> &mut RepresentationState;
}

impl RepresentationState {
    pub fn bind<D>(globals: &GlobalList, qh: &QueueHandle<D>) -> RepresentationState
    where
        D: Dispatch<WpColorRepresentationManagerV1, ()> + 'static,
    {
        RepresentationState {
            manager: globals.bind(qh, 1..=1, ()).ok(),
            ..RepresentationState::default()
        }
    }

    /// The camera's frames are `colorimetry` (None: they are RGB). False where the
    /// compositor cannot be told, and converts YCbCr with its own matrix.
    pub fn want(&mut self, colorimetry: Option<Colorimetry>) -> bool {
        self.wanted = colorimetry.map(pair).filter(|p| self.supported.contains(p));
        self.wanted.is_some()
    }

    /// Buffer `id` holds YCbCr frames (or RGB ones).
    pub fn mark(&mut self, id: BufferId, ycbcr: bool) {
        if ycbcr {
            self.ycbcr.insert(id);
        } else {
            self.ycbcr.remove(&id);
        }
    }

    /// Brings the representation in line with buffer `id`, which the caller attaches and
    /// commits next.
    pub fn before_commit<D>(&mut self, id: BufferId, surface: &WlSurface, qh: &QueueHandle<D>)
    where
        D: Dispatch<WpColorRepresentationSurfaceV1, ()> + 'static,
    {
        let target = self.target(id);
        match change(self.applied, target) {
            Change::Keep => return,
            Change::Set((coefficients, range)) => {
                if let (None, Some(manager)) = (&self.object, &self.manager) {
                    self.object = Some(manager.get_surface(surface, qh, ()));
                }
                if let Some(object) = &self.object {
                    object.set_coefficients_and_range(coefficients, range);
                }
            }
            Change::Unset => self.unset(),
        }
        self.applied = target;
    }

    /// What a commit of buffer `id` must carry.
    fn target(&self, id: BufferId) -> Option<Pair> {
        self.wanted.filter(|_| self.ycbcr.contains(&id))
    }

    /// Drops the representation (it goes with the surface's next commit).
    pub fn unset(&mut self) {
        if let Some(object) = self.object.take() {
            object.destroy();
        }
        self.applied = None;
    }
}

/// The step from what the surface carries to what the next buffer needs.
fn change(applied: Option<Pair>, target: Option<Pair>) -> Change {
    match (applied, target) {
        (a, t) if a == t => Change::Keep,
        (_, Some(pair)) => Change::Set(pair),
        (_, None) => Change::Unset,
    }
}

/// The camera's matrix and range in the protocol's terms.
fn pair(colorimetry: Colorimetry) -> Pair {
    let coefficients = match colorimetry.matrix {
        Matrix::Bt601 => Coefficients::Bt601,
        Matrix::Bt709 => Coefficients::Bt709,
        Matrix::Bt2020 => Coefficients::Bt2020,
    };
    let range = if colorimetry.full_range {
        Range::Full
    } else {
        Range::Limited
    };
    (coefficients, range)
}

impl<D> Dispatch<WpColorRepresentationManagerV1, (), D> for RepresentationState
where
    D: Dispatch<WpColorRepresentationManagerV1, ()> + RepresentationHandler,
{
    fn event(
        state: &mut D,
        _: &WpColorRepresentationManagerV1,
        event: wp_color_representation_manager_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<D>,
    ) {
        if let wp_color_representation_manager_v1::Event::SupportedCoefficientsAndRanges {
            coefficients: WEnum::Value(coefficients),
            range: WEnum::Value(range),
        } = event
        {
            state
                .representation_state()
                .supported
                .push((coefficients, range));
        }
    }
}

impl<D> Dispatch<WpColorRepresentationSurfaceV1, (), D> for RepresentationState
where
    D: Dispatch<WpColorRepresentationSurfaceV1, ()>,
{
    fn event(
        _: &mut D,
        _: &WpColorRepresentationSurfaceV1,
        _: <WpColorRepresentationSurfaceV1 as wayland_client::Proxy>::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<D>,
    ) {
        // The object has no events.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITED_601: Pair = (Coefficients::Bt601, Range::Limited);
    const FULL_709: Pair = (Coefficients::Bt709, Range::Full);

    #[test]
    fn the_representation_changes_only_when_the_next_buffer_needs_another() {
        assert_eq!(change(None, None), Change::Keep);
        assert_eq!(change(Some(LIMITED_601), Some(LIMITED_601)), Change::Keep);
        assert_eq!(change(None, Some(LIMITED_601)), Change::Set(LIMITED_601));
        assert_eq!(
            change(Some(LIMITED_601), Some(FULL_709)),
            Change::Set(FULL_709)
        );
        // An RGB frame after YCbCr ones (a step down, a switch's black frame).
        assert_eq!(change(Some(LIMITED_601), None), Change::Unset);
    }

    #[test]
    fn the_cameras_colorimetry_is_the_protocols_coefficients_and_range() {
        assert_eq!(pair(Colorimetry::from_v4l2(0, 0, 0)), LIMITED_601);
        let full_2020 = Colorimetry {
            matrix: Matrix::Bt2020,
            full_range: true,
        };
        assert_eq!(pair(full_2020), (Coefficients::Bt2020, Range::Full));
    }

    #[test]
    fn only_a_pair_the_compositor_offered_is_carried_and_only_by_ycbcr_buffers() {
        let mut state = RepresentationState::default();
        let limited_601 = Colorimetry::from_v4l2(0, 0, 0);
        // No global, or one without the camera's pair: nothing can be told.
        assert!(!state.want(Some(limited_601)));
        state.supported.push(FULL_709);
        assert!(!state.want(Some(limited_601)));
        state.supported.push(LIMITED_601);
        assert!(state.want(Some(limited_601)));
        let (yuyv, rgb) = (BufferId(0), BufferId(1));
        state.mark(yuyv, true);
        state.mark(rgb, false);
        assert_eq!(state.target(yuyv), Some(LIMITED_601));
        assert_eq!(state.target(rgb), None);
        // An RGB camera after a switch: its buffers carry nothing.
        assert!(!state.want(None));
        assert_eq!(state.target(yuyv), None);
    }
}
