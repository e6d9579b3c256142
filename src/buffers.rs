//! Who owns each V4L2 buffer: the one state machine both sinks drive.
//!
//! A buffer cycles Capture → Pending → Display → Capture. Only the capture driver writes
//! into a buffer, so it may go back to V4L2 only when nobody reads it: a pending frame that a
//! newer one replaced, or a displayed frame the display has released (KMS: the flip that
//! replaced it completed; Wayland: wl_buffer.release).

/// The owner of one V4L2 buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Queued in the V4L2 driver, which may be writing into it.
    Capture,
    /// Dequeued with a fresh frame, waiting for the display to take it.
    Pending,
    /// Given to the display, which may read it until it releases it.
    Display,
}

/// A transition the state machine refuses: a sink or driver bug, never undefined behaviour.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OwnershipError {
    /// The index is not one of the buffers allocated.
    #[error("buffer index {index} out of range (pool of {count})")]
    OutOfRange { index: usize, count: usize },
    /// The buffer is not where the transition expects it.
    #[error("buffer {index} is owned by {actual:?}, expected {expected:?}")]
    WrongOwner {
        index: usize,
        actual: Owner,
        expected: Owner,
    },
}

/// Counts of what happened to frames, kept by the state machine itself.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Frames replaced by a newer one before the display took them.
    pub stale: u64,
    /// Buffers given back to V4L2 after the display released them.
    pub released: u64,
}

#[derive(Debug)]
pub struct BufferPool {
    owners: Vec<Owner>,
    /// The newest dequeued frame not yet given to the display.
    pending: Option<usize>,
    tally: Tally,
}

impl BufferPool {
    /// A pool whose buffers are all queued in the driver.
    pub fn new(count: usize) -> BufferPool {
        BufferPool {
            owners: vec![Owner::Capture; count],
            pending: None,
            tally: Tally::default(),
        }
    }

    pub fn owner(&self, index: usize) -> Option<Owner> {
        self.owners.get(index).copied()
    }

    pub fn tally(&self) -> Tally {
        self.tally
    }

    fn expect(&self, index: usize, expected: Owner) -> Result<(), OwnershipError> {
        let actual = self.owner(index).ok_or(OwnershipError::OutOfRange {
            index,
            count: self.owners.len(),
        })?;
        if actual == expected {
            Ok(())
        } else {
            Err(OwnershipError::WrongOwner {
                index,
                actual,
                expected,
            })
        }
    }

    /// The driver filled `index`. The newest frame wins: returns the stale pending buffer,
    /// which the caller must requeue at once.
    pub fn dequeued(&mut self, index: usize) -> Result<Option<usize>, OwnershipError> {
        self.expect(index, Owner::Capture)?;
        self.owners[index] = Owner::Pending;
        let stale = self.pending.replace(index);
        if let Some(stale) = stale {
            self.owners[stale] = Owner::Capture;
            self.tally.stale += 1;
        }
        Ok(stale)
    }

    /// A frame the driver marked bad: straight back to the driver without display.
    pub fn rejected(&mut self, index: usize) -> Result<(), OwnershipError> {
        self.expect(index, Owner::Capture)
    }

    /// A frame waits for the display.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Buffers queued in the driver.
    pub fn in_capture(&self) -> usize {
        self.owners.iter().filter(|&&o| o == Owner::Capture).count()
    }

    /// The display is ready for a frame: hands over the newest pending one, if any.
    pub fn take_pending(&mut self) -> Option<usize> {
        let index = self.pending.take()?;
        self.owners[index] = Owner::Display;
        Some(index)
    }

    /// The display is gone: every buffer it held is the camera's again; the caller must
    /// requeue each one returned.
    pub fn reclaim_from_display(&mut self) -> Vec<usize> {
        let held: Vec<usize> = (0..self.owners.len())
            .filter(|&i| self.owners[i] == Owner::Display)
            .collect();
        for &index in &held {
            self.owners[index] = Owner::Capture;
            self.tally.released += 1;
        }
        held
    }

    /// The display no longer reads `index`; the caller must requeue it.
    pub fn released(&mut self, index: usize) -> Result<(), OwnershipError> {
        self.expect(index, Owner::Display)?;
        self.owners[index] = Owner::Capture;
        self.tally.released += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_that_goes_gives_back_what_it_held() {
        let mut pool = BufferPool::new(4);
        for index in [1, 3] {
            assert_eq!(pool.dequeued(index), Ok(None));
            assert_eq!(pool.take_pending(), Some(index));
        }
        assert_eq!(pool.dequeued(0), Ok(None));
        assert_eq!(pool.reclaim_from_display(), vec![1, 3]);
        assert_eq!(pool.owner(1), Some(Owner::Capture));
        assert_eq!(pool.owner(0), Some(Owner::Pending));
        assert!(pool.reclaim_from_display().is_empty());
    }

    #[test]
    fn a_frame_goes_round_the_cycle() {
        let mut pool = BufferPool::new(4);
        assert_eq!(pool.dequeued(2), Ok(None));
        assert_eq!(pool.owner(2), Some(Owner::Pending));
        assert_eq!(pool.take_pending(), Some(2));
        assert_eq!(pool.owner(2), Some(Owner::Display));
        assert_eq!(pool.take_pending(), None);
        assert_eq!(pool.released(2), Ok(()));
        assert_eq!(pool.owner(2), Some(Owner::Capture));
        assert_eq!(pool.tally().released, 1);
    }

    #[test]
    fn the_pool_says_what_waits_and_how_many_the_driver_holds() {
        let mut pool = BufferPool::new(4);
        assert_eq!((pool.has_pending(), pool.in_capture()), (false, 4));
        pool.dequeued(0).unwrap();
        assert_eq!((pool.has_pending(), pool.in_capture()), (true, 3));
        pool.take_pending();
        pool.dequeued(1).unwrap();
        pool.take_pending();
        // Two on the display (shown, and flipping in): two left to the driver.
        assert_eq!((pool.has_pending(), pool.in_capture()), (false, 2));
    }

    #[test]
    fn the_newest_frame_wins_and_the_stale_one_goes_back() {
        let mut pool = BufferPool::new(4);
        pool.dequeued(0).unwrap();
        assert_eq!(pool.dequeued(1), Ok(Some(0)));
        assert_eq!(pool.owner(0), Some(Owner::Capture));
        assert_eq!(pool.dequeued(3), Ok(Some(1)));
        assert_eq!(pool.take_pending(), Some(3));
        assert_eq!(pool.tally().stale, 2);
    }

    #[test]
    fn a_displayed_buffer_cannot_be_requeued_before_release() {
        let mut pool = BufferPool::new(4);
        pool.dequeued(1).unwrap();
        pool.take_pending();
        // The driver claiming to fill a buffer the display still reads is an error.
        assert_eq!(
            pool.dequeued(1),
            Err(OwnershipError::WrongOwner {
                index: 1,
                actual: Owner::Display,
                expected: Owner::Capture
            })
        );
        assert!(pool.rejected(1).is_err());
    }

    #[test]
    fn releasing_what_the_display_does_not_hold_is_an_error() {
        let mut pool = BufferPool::new(2);
        assert!(pool.released(0).is_err());
        pool.dequeued(0).unwrap();
        assert!(pool.released(0).is_err());
        assert_eq!(
            pool.released(7),
            Err(OwnershipError::OutOfRange { index: 7, count: 2 })
        );
    }
}
