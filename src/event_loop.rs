//! Waits for the camera, the display, a signal or a deadline, with one `ppoll` per wait.
//!
//! calloop's poller (polling 3.11) made five syscalls per wait (timerfd_settime, two
//! epoll_ctl, epoll_pwait and an eventfd read). On the console glasscam waited twice per
//! frame, so eight of its fifteen syscalls per frame were the loop's own (docs/PERFORMANCE.md).
//! It now waits once: a flip's completion is read with the camera's next frame.

use std::os::fd::{AsFd, BorrowedFd};
use std::time::Instant;

use nix::errno::Errno;
use nix::poll::{ppoll, PollFd, PollFlags};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::time::TimeSpec;

/// What one wait found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Wake {
    /// The camera has a frame, an error or a hang-up to report.
    pub camera: bool,
    /// The display has events (or an error) to read.
    pub display: bool,
    /// A display was plugged or unplugged (the console's uevents).
    pub hotplug: bool,
    /// The seat manager has an event (a VT switch).
    pub seat: bool,
    /// `--keys` has key presses to read.
    pub keys: bool,
    pub signal: Option<Signal>,
}

pub struct EventLoop {
    signals: SignalFd,
}

impl EventLoop {
    /// Blocks `signals` for this thread, and for the threads it starts later (EGL's), so they
    /// arrive only through the loop: none is lost during setup, and none interrupts teardown.
    pub fn new(signals: &[Signal]) -> nix::Result<EventLoop> {
        let mut mask = SigSet::empty();
        for &signal in signals {
            mask.add(signal);
        }
        mask.thread_block()?;
        let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        Ok(EventLoop { signals })
    }

    /// Waits for a signal until `deadline`; the signal, if one came.
    pub fn sleep(&self, deadline: Instant) -> nix::Result<Option<Signal>> {
        let mut fds = [PollFd::new(self.signals.as_fd(), PollFlags::POLLIN)];
        let timeout = TimeSpec::from_duration(deadline.saturating_duration_since(Instant::now()));
        match ppoll(&mut fds, Some(timeout), None) {
            Ok(0) | Err(Errno::EINTR) => Ok(None),
            Ok(_) => Ok(self
                .signals
                .read_signal()?
                .and_then(|info| Signal::try_from(info.ssi_signo as i32).ok())),
            Err(e) => Err(e),
        }
    }

    /// Waits until the camera or the display (where given) is ready, a display is plugged
    /// or unplugged (`hotplug`), the seat manager has an event (`seat`) or a key is written
    /// (`keys`), where there are such fds, a signal comes or `deadline` passes.
    pub fn wait(
        &self,
        camera: BorrowedFd<'_>,
        display: Option<BorrowedFd<'_>>,
        [hotplug, seat, keys]: [Option<BorrowedFd<'_>>; 3],
        deadline: Instant,
    ) -> nix::Result<Wake> {
        let mut set = PollSet::new(camera, self.signals.as_fd());
        let slots = [display, hotplug, seat, keys].map(|fd| fd.map(|fd| set.add(fd)));
        let timeout = TimeSpec::from_duration(deadline.saturating_duration_since(Instant::now()));
        match ppoll(set.fds(), Some(timeout), None) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
        let signal = if set.ready(Some(PollSet::SIGNALS)) {
            self.signals
                .read_signal()?
                .and_then(|info| Signal::try_from(info.ssi_signo as i32).ok())
        } else {
            None
        };
        let [display, hotplug, seat, keys] = slots.map(|slot| set.ready(slot));
        Ok(Wake {
            camera: set.ready(Some(PollSet::CAMERA)),
            display,
            hotplug,
            seat,
            keys,
            signal,
        })
    }
}

/// The fds of one wait, only those that exist: the kernel polls each entry it is given, so
/// an absent fd must not stand in as a copy of another.
struct PollSet<'fd> {
    fds: [PollFd<'fd>; 6],
    len: usize,
}

impl<'fd> PollSet<'fd> {
    const CAMERA: usize = 0;
    const SIGNALS: usize = 1;

    fn new(camera: BorrowedFd<'fd>, signals: BorrowedFd<'fd>) -> PollSet<'fd> {
        let signals = PollFd::new(signals, PollFlags::POLLIN);
        let mut fds = [signals; 6];
        fds[Self::CAMERA] = PollFd::new(camera, PollFlags::POLLIN);
        PollSet { fds, len: 2 }
    }

    /// Adds `fd`; its slot.
    fn add(&mut self, fd: BorrowedFd<'fd>) -> usize {
        self.fds[self.len] = PollFd::new(fd, PollFlags::POLLIN);
        self.len += 1;
        self.len - 1
    }

    fn fds(&mut self) -> &mut [PollFd<'fd>] {
        &mut self.fds[..self.len]
    }

    /// Whether the fd in `slot` (None: an absent fd) is ready. Errors and hang-ups count:
    /// the handler's next ioctl or read reports them.
    fn ready(&self, slot: Option<usize>) -> bool {
        slot.and_then(|i| self.fds[..self.len][i].revents())
            .is_some_and(|r| !r.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::unistd::{pipe, write};
    use std::os::fd::OwnedFd;
    use std::time::Duration;

    /// A camera pipe and a display pipe: (read end, write end) each.
    fn pipes() -> [(OwnedFd, OwnedFd); 2] {
        [pipe().unwrap(), pipe().unwrap()]
    }

    fn wait(events: &EventLoop, [camera, display]: &[(OwnedFd, OwnedFd); 2], ms: u64) -> Wake {
        let deadline = Instant::now() + Duration::from_millis(ms);
        events
            .wait(
                camera.0.as_fd(),
                Some(display.0.as_fd()),
                [None, None, None],
                deadline,
            )
            .unwrap()
    }

    #[test]
    fn a_readable_fd_wakes_only_its_side() {
        let events = EventLoop::new(&[]).unwrap();
        let fds = pipes();
        write(&fds[0].1, b"x").unwrap();
        let expected = Wake {
            camera: true,
            ..Wake::default()
        };
        assert_eq!(wait(&events, &fds, 5000), expected);
    }

    #[test]
    fn a_hotplug_fd_wakes_its_own_flag() {
        let events = EventLoop::new(&[]).unwrap();
        let fds = pipes();
        let (hotplug_read, hotplug_write) = pipe().unwrap();
        write(&hotplug_write, b"x").unwrap();
        let deadline = Instant::now() + Duration::from_millis(5000);
        let wake = events
            .wait(
                fds[0].0.as_fd(),
                Some(fds[1].0.as_fd()),
                [Some(hotplug_read.as_fd()), None, None],
                deadline,
            )
            .unwrap();
        assert!(wake.hotplug && !wake.camera && !wake.display, "{wake:?}");
    }

    #[test]
    fn each_fd_given_wakes_its_own_flag_wherever_it_sits_in_the_set() {
        let events = EventLoop::new(&[]).unwrap();
        let (camera, _camera_write) = pipe().unwrap();
        let (seat, _seat_write) = pipe().unwrap();
        let (keys, keys_write) = pipe().unwrap();
        write(&keys_write, b"z").unwrap();
        // No display and no hotplug fd: seat and keys take the first free slots.
        let wake = events
            .wait(
                camera.as_fd(),
                None,
                [None, Some(seat.as_fd()), Some(keys.as_fd())],
                Instant::now() + Duration::from_millis(50),
            )
            .unwrap();
        let expected = Wake {
            keys: true,
            ..Wake::default()
        };
        assert_eq!(wake, expected);
    }

    #[test]
    fn a_display_left_out_of_the_wait_does_not_wake_it() {
        let events = EventLoop::new(&[]).unwrap();
        let fds = pipes();
        write(&fds[1].1, b"x").unwrap();
        let deadline = Instant::now() + Duration::from_millis(20);
        let wake = events
            .wait(fds[0].0.as_fd(), None, [None, None, None], deadline)
            .unwrap();
        assert_eq!(wake, Wake::default());
    }

    #[test]
    fn a_passed_deadline_returns_with_nothing_ready() {
        let events = EventLoop::new(&[]).unwrap();
        let fds = pipes();
        let before = Instant::now();
        assert_eq!(wait(&events, &fds, 20), Wake::default());
        assert!(before.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn a_hang_up_counts_as_ready() {
        let events = EventLoop::new(&[]).unwrap();
        let [(camera_read, camera_write), display] = pipes();
        drop(camera_write);
        let fds = [(camera_read, display.1.try_clone().unwrap()), display];
        let wake = wait(&events, &fds, 5000);
        assert!(wake.camera && !wake.display);
    }

    #[test]
    fn a_blocked_signal_arrives_through_the_loop() {
        // SIGUSR2 is blocked for this test's thread only; raise() sends it to this thread.
        let events = EventLoop::new(&[Signal::SIGUSR2]).unwrap();
        let fds = pipes();
        nix::sys::signal::raise(Signal::SIGUSR2).unwrap();
        let wake = wait(&events, &fds, 5000);
        assert_eq!(wake.signal, Some(Signal::SIGUSR2));
        assert!(!wake.camera && !wake.display);
    }
}
