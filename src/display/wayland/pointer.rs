//! The pointer over the window: hidden while the window is fullscreen and the pointer has
//! been still for a moment, shown again as soon as it moves (the compositor's default
//! cursor through cursor-shape-v1 where it has it, else the cursor theme's).

use std::time::{Duration, Instant};

use smithay_client_toolkit::seat::pointer::{
    CursorIcon, PointerEvent, PointerEventKind, ThemedPointer,
};
use wayland_client::protocol::wl_shm;
use wayland_client::Connection;

/// How long the pointer must be still before it is hidden.
const STILL_FOR: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct PointerState {
    /// Cursor images are shared memory.
    pub shm: Option<wl_shm::WlShm>,
    pointer: Option<ThemedPointer>,
    idle: Idle,
}

impl PointerState {
    /// The cursor's memory, while there is no pointer yet: the seat's pointer is wanted.
    pub fn wanted(&self) -> Option<&wl_shm::WlShm> {
        self.shm.as_ref().filter(|_| self.pointer.is_none())
    }

    pub fn seat_gave(&mut self, pointer: ThemedPointer) {
        self.pointer = Some(pointer);
    }

    pub fn seat_lost_pointer(&mut self) {
        if let Some(pointer) = self.pointer.take() {
            pointer.pointer().release();
        }
        self.idle = Idle::default();
    }

    /// Hides the pointer once it has been still long enough over a fullscreen window.
    pub fn hide_if_still(&mut self, fullscreen: bool) {
        if self.idle.hide_due(Instant::now(), fullscreen) {
            if let Some(pointer) = &self.pointer {
                let _ = pointer.hide_cursor();
            }
        }
    }

    /// One frame of the pointer's events.
    pub fn on_events(&mut self, conn: &Connection, events: &[PointerEvent]) {
        let now = Instant::now();
        for event in events {
            match event.kind {
                // A client sets the cursor on every enter.
                PointerEventKind::Enter { .. } => {
                    self.idle.entered(now);
                    self.show(conn);
                }
                PointerEventKind::Leave { .. } => self.idle.left(),
                _ => {
                    if self.idle.moved(now) {
                        self.show(conn);
                    }
                }
            }
        }
    }

    fn show(&self, conn: &Connection) {
        if let Some(pointer) = &self.pointer {
            if let Err(e) = pointer.set_cursor(conn, CursorIcon::Default) {
                tracing::debug!("cursor: {e}");
            }
        }
    }
}

/// Whether the pointer is over the window and hidden, and when it last moved.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Idle {
    inside: bool,
    hidden: bool,
    moved_at: Option<Instant>,
}

impl Idle {
    /// Entered the window: shown, still from now on.
    fn entered(&mut self, now: Instant) {
        *self = Idle {
            inside: true,
            hidden: false,
            moved_at: Some(now),
        };
    }

    /// Moved: true where it was hidden and must be shown again.
    fn moved(&mut self, now: Instant) -> bool {
        self.moved_at = Some(now);
        std::mem::take(&mut self.hidden)
    }

    fn left(&mut self) {
        *self = Idle::default();
    }

    /// True once, when it is time to hide it.
    fn hide_due(&mut self, now: Instant, fullscreen: bool) -> bool {
        let still = self
            .moved_at
            .is_some_and(|at| now.duration_since(at) >= STILL_FOR);
        let due = self.inside && !self.hidden && fullscreen && still;
        self.hidden |= due;
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_still_pointer_over_a_fullscreen_window_is_hidden_once_and_shown_when_it_moves() {
        let start = Instant::now();
        let later = start + STILL_FOR;
        let mut idle = Idle::default();
        assert!(!idle.hide_due(later, true), "not over the window");
        idle.entered(start);
        assert!(
            !idle.hide_due(start + STILL_FOR / 2, true),
            "not still long enough"
        );
        assert!(!idle.hide_due(later, false), "not fullscreen");
        assert!(idle.hide_due(later, true));
        assert!(!idle.hide_due(later, true), "hidden already");
        assert!(idle.moved(later), "moved: shown again");
        assert!(!idle.moved(later), "shown already");
        assert!(!idle.hide_due(later, true), "it just moved");
        idle.left();
        assert!(
            !idle.hide_due(later + STILL_FOR, true),
            "gone from the window"
        );
    }
}
