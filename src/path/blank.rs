//! A path whose camera has gone (`--persistent`): black on the display, and every buffer
//! of the old camera's let go, until the camera returns and the rung is set up again.

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::{Carrier, FramePath, PathError, Rung};
use crate::display::{BufferId, Display, DisplayEvent};

/// How long the black frame may take to reach the glass before the old buffers go anyway.
const BLACK_WAIT: Duration = Duration::from_secs(1);
/// The tag of the black frame's commit: no camera buffer's index.
const BLACK_TAG: usize = usize::MAX;

/// The carrier of a path with no camera: the black frame on the display, and the rung to
/// set up again.
pub struct Blank {
    pub black: BufferId,
    pub rung: Rung,
}

impl FramePath {
    /// Shows a black frame of `size`, then frees every buffer the rung had on the display.
    pub fn blank(&mut self, size: (u32, u32)) -> Result<(), PathError> {
        let rung = self.rung();
        let black = self.display.cpu_buffers(size, 1)?[0];
        let mut events = Vec::new();
        // A camera switched while streaming (C, Z) may have a flip still pending.
        self.wait_for_display(&mut events, |display| display.can_present())?;
        self.display.present(black, BLACK_TAG, &mut events)?;
        self.wait_for_display(&mut events, |display| display.frames_in_flight() == 0)?;
        let old = std::mem::replace(&mut self.carrier, Carrier::Blank(Blank { black, rung }));
        match old {
            Carrier::Direct(direct) => self.display.free(direct.ids()),
            Carrier::Gpu(mut gpu) => gpu.remove_targets(&mut self.display),
            Carrier::Copy(copy) => self.display.free(copy.ids()),
            Carrier::Blank(earlier) => self.display.free(&[earlier.black]),
        }
        self.display.forget_imports();
        self.drawn_marker = None;
        self.first_unshown_commit = None;
        Ok(())
    }

    /// Reads the display's events until `done` (or BLACK_WAIT has passed).
    fn wait_for_display(
        &mut self,
        events: &mut Vec<DisplayEvent>,
        done: impl Fn(&Display) -> bool,
    ) -> Result<(), PathError> {
        let until = Instant::now() + BLACK_WAIT;
        while !done(&self.display) && Instant::now() < until {
            let mut fds = [PollFd::new(self.display.as_fd(), PollFlags::POLLIN)];
            let _ = poll(&mut fds, PollTimeout::from(100u8));
            self.display.dispatch(events)?;
        }
        Ok(())
    }
}
