//! A seat session through libseat (logind, seatd, or its builtin backend for root): the card
//! opened through it, and VT switches followed. When the seat is disabled (the user switched
//! to another VT) glasscam acknowledges at once and commits nothing; when it is enabled again
//! the next frame sets the mode in full. Without a seat manager glasscam opens the card
//! itself, as it always did.

use std::cell::RefCell;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use libseat::{LogLevel, Seat, SeatEvent};

use super::{DisplayEvent, KmsDisplay};

/// How long opening waits for the seat manager to enable the new session.
const ENABLE_WAIT: Duration = Duration::from_secs(2);

/// What a seat event changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatChange {
    /// Another session has the seat (a VT switch away): nothing is committed.
    Paused,
    /// The seat is glasscam's again: the mode is set again with the next frame.
    Resumed,
}

pub struct SeatSession {
    seat: Seat,
    /// Filled by libseat's callback during dispatch.
    events: Rc<RefCell<Vec<SeatEvent>>>,
    /// The card as the seat opened it: closed through the seat before its fd.
    card: Option<libseat::Device>,
    /// The seat manager's fd, readable when it has an event; libseat's to close.
    fd: RawFd,
}

impl SeatSession {
    /// The seat, once enabled; None where there is no seat manager (said at debug level).
    pub fn open() -> Option<SeatSession> {
        libseat::set_log_level(LogLevel::Silent);
        let events = Rc::new(RefCell::new(Vec::new()));
        let sink = events.clone();
        let seat = Seat::open(move |seat, event| {
            // Acknowledged at once: the caller commits nothing before it reads the event.
            if let SeatEvent::Disable = event {
                let _ = seat.disable();
            }
            sink.borrow_mut().push(event);
        });
        let seat = match seat {
            Ok(seat) => seat,
            Err(errno) => {
                tracing::debug!("no seat manager ({errno}): the card is opened directly");
                return None;
            }
        };
        let mut seat = seat;
        let fd = match seat.get_fd() {
            Ok(fd) => fd.as_raw_fd(),
            Err(_) => return None,
        };
        let mut session = SeatSession {
            seat,
            events,
            card: None,
            fd,
        };
        let until = Instant::now() + ENABLE_WAIT;
        while Instant::now() < until {
            let _ = session.seat.dispatch(100);
            if session.take_change() == Some(SeatChange::Resumed) {
                return Some(session);
            }
        }
        tracing::debug!("the seat was never enabled: the card is opened directly");
        None
    }

    /// Opens the card through the seat.
    pub fn open_card(&mut self, path: &Path) -> std::io::Result<File> {
        let device = self
            .seat
            .open_device(&path)
            .map_err(|errno| std::io::Error::from_raw_os_error(errno.0))?;
        let file = File::from(device.as_fd().try_clone_to_owned()?);
        self.card = Some(device);
        Ok(file)
    }

    /// The seat manager's fd, readable when it has an event.
    pub fn fd(&self) -> BorrowedFd<'_> {
        // SAFETY: libseat keeps the fd open as long as the seat, which this borrows.
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }

    /// Reads the seat manager's events; the last change they made, if any.
    pub fn dispatch(&mut self) -> Option<SeatChange> {
        let _ = self.seat.dispatch(0);
        self.take_change()
    }

    fn take_change(&mut self) -> Option<SeatChange> {
        let last = self.events.borrow_mut().drain(..).next_back();
        last.map(|event| match event {
            SeatEvent::Enable => SeatChange::Resumed,
            SeatEvent::Disable => SeatChange::Paused,
        })
    }
}

impl Drop for SeatSession {
    fn drop(&mut self) {
        if let Some(device) = self.card.take() {
            let raw = device.as_fd().as_raw_fd();
            let _ = self.seat.close_device(device);
            // SAFETY: the seat gave this fd to glasscam, and nothing else closes it.
            unsafe { libc::close(raw) };
        }
    }
}

impl KmsDisplay {
    /// The seat manager's fd, where the card was opened through a seat.
    pub fn seat_fd(&self) -> Option<BorrowedFd<'_>> {
        self.seat.as_ref().map(SeatSession::fd)
    }

    /// Follows the seat: paused, a flip in flight counts as done (its event may never come)
    /// and nothing is committed; resumed, the next frame sets the mode in full.
    pub fn seat_changed(&mut self, events: &mut Vec<DisplayEvent>) -> Option<SeatChange> {
        let change = self.seat.as_mut()?.dispatch()?;
        match change {
            SeatChange::Paused => {
                self.seat_active = false;
                self.flip_completed(None, events);
            }
            SeatChange::Resumed => {
                self.seat_active = true;
                self.modeset_done = false;
            }
        }
        Some(change)
    }
}
