//! wp_presentation, bound by glasscam itself: sctk's binding keeps the compositor's clock id
//! to itself, and a presentation time means nothing without its clock.

use std::time::Duration;

use wayland_client::globals::GlobalList;
use wayland_client::protocol::wl_surface::WlSurface;
use wayland_client::{Connection, Dispatch, QueueHandle, WEnum};
use wayland_protocols::wp::presentation_time::client::{wp_presentation, wp_presentation_feedback};

use crate::clock;

pub struct PresentationState {
    global: Option<wp_presentation::WpPresentation>,
    /// The clock of every timestamp, sent by the compositor right after binding.
    clock_id: Option<u32>,
}

impl PresentationState {
    pub fn bind<D>(globals: &GlobalList, qh: &QueueHandle<D>) -> PresentationState
    where
        D: Dispatch<wp_presentation::WpPresentation, ()> + 'static,
    {
        PresentationState {
            global: globals.bind(qh, 1..=1, ()).ok(),
            clock_id: None,
        }
    }

    pub fn is_bound(&self) -> bool {
        self.global.is_some()
    }

    /// Asks to hear when the next commit of `surface` (tagged `tag`) is shown.
    pub fn feedback<D>(
        &self,
        surface: &WlSurface,
        qh: &QueueHandle<D>,
        tag: usize,
    ) -> Option<wp_presentation_feedback::WpPresentationFeedback>
    where
        D: Dispatch<wp_presentation_feedback::WpPresentationFeedback, usize> + 'static,
    {
        Some(self.global.as_ref()?.feedback(surface, qh, tag))
    }

    /// Asks to hear when the overlay's next commit (turning it `white` or black) is shown.
    pub fn overlay_feedback<D>(&self, surface: &WlSurface, qh: &QueueHandle<D>, white: bool) -> bool
    where
        D: Dispatch<wp_presentation_feedback::WpPresentationFeedback, OverlayFlip> + 'static,
    {
        self.global
            .as_ref()
            .map(|g| g.feedback(surface, qh, OverlayFlip(white)))
            .is_some()
    }

    /// How presentation times reach CLOCK_MONOTONIC, for the bench's report.
    pub fn clock_description(&self) -> String {
        match self.clock_id {
            None if self.is_bound() => "wp_presentation (no clock announced)".into(),
            None => "frame callbacks, timed on receipt".into(),
            Some(id) if id == libc::CLOCK_MONOTONIC as u32 => {
                "wp_presentation on CLOCK_MONOTONIC".into()
            }
            Some(id) => format!(
                "wp_presentation on {}, converted to CLOCK_MONOTONIC",
                clock::clock_name(id)
            ),
        }
    }

    /// A `presented` event's time on CLOCK_MONOTONIC, or None when its clock is unknown or
    /// unreadable.
    fn presented_at(&self, tv_sec_hi: u32, tv_sec_lo: u32, tv_nsec: u32) -> Option<Duration> {
        let secs = (u64::from(tv_sec_hi) << 32) | u64::from(tv_sec_lo);
        clock::to_monotonic(
            self.clock_id?,
            Duration::new(secs, tv_nsec.min(999_999_999)),
        )
    }
}

/// What the state that binds wp_presentation hears from it.
pub trait PresentationHandler {
    fn presentation_state(&mut self) -> &mut PresentationState;
    /// The commit tagged `tag` is on the glass since `time` (CLOCK_MONOTONIC, when known).
    fn presented(&mut self, tag: usize, time: Option<Duration>, refresh_ns: u32, zero_copy: bool);
    /// The compositor dropped the commit tagged `tag` without showing it.
    fn discarded(&mut self, tag: usize);
    /// The overlay's commit turning it `white` (or black) is on the glass.
    fn overlay_presented(&mut self, white: bool, time: Option<Duration>, refresh_ns: u32);
}

impl<D> Dispatch<wp_presentation::WpPresentation, (), D> for PresentationState
where
    D: Dispatch<wp_presentation::WpPresentation, ()> + PresentationHandler,
{
    fn event(
        state: &mut D,
        _: &wp_presentation::WpPresentation,
        event: wp_presentation::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<D>,
    ) {
        if let wp_presentation::Event::ClockId { clk_id } = event {
            state.presentation_state().clock_id = Some(clk_id);
        }
    }
}

/// The user data of an overlay commit's feedback: the colour it turned to.
pub struct OverlayFlip(bool);

impl<D> Dispatch<wp_presentation_feedback::WpPresentationFeedback, OverlayFlip, D>
    for PresentationState
where
    D: Dispatch<wp_presentation_feedback::WpPresentationFeedback, OverlayFlip>
        + PresentationHandler,
{
    fn event(
        state: &mut D,
        _: &wp_presentation_feedback::WpPresentationFeedback,
        event: wp_presentation_feedback::Event,
        flip: &OverlayFlip,
        _: &Connection,
        _: &QueueHandle<D>,
    ) {
        if let wp_presentation_feedback::Event::Presented {
            tv_sec_hi,
            tv_sec_lo,
            tv_nsec,
            refresh,
            ..
        } = event
        {
            let time = state
                .presentation_state()
                .presented_at(tv_sec_hi, tv_sec_lo, tv_nsec);
            state.overlay_presented(flip.0, time, refresh);
        }
    }
}

/// The user data is the tag of the commit.
impl<D> Dispatch<wp_presentation_feedback::WpPresentationFeedback, usize, D> for PresentationState
where
    D: Dispatch<wp_presentation_feedback::WpPresentationFeedback, usize> + PresentationHandler,
{
    fn event(
        state: &mut D,
        _: &wp_presentation_feedback::WpPresentationFeedback,
        event: wp_presentation_feedback::Event,
        tag: &usize,
        _: &Connection,
        _: &QueueHandle<D>,
    ) {
        use wp_presentation_feedback::{Event, Kind};
        match event {
            Event::Presented {
                tv_sec_hi,
                tv_sec_lo,
                tv_nsec,
                refresh,
                flags,
                ..
            } => {
                let time = state
                    .presentation_state()
                    .presented_at(tv_sec_hi, tv_sec_lo, tv_nsec);
                let zero_copy =
                    matches!(flags, WEnum::Value(kind) if kind.contains(Kind::ZeroCopy));
                state.presented(*tag, time, refresh, zero_copy);
            }
            Event::Discarded => state.discarded(*tag),
            _ => {}
        }
    }
}
