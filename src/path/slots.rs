//! The display-side buffers a converting rung draws into: which are free, and which the
//! display still reads.

use crate::display::BufferId;

pub struct SlotRing {
    ids: Vec<BufferId>,
    busy: Vec<bool>,
}

impl SlotRing {
    pub fn new(ids: Vec<BufferId>) -> SlotRing {
        let busy = vec![false; ids.len()];
        SlotRing { ids, busy }
    }

    pub fn ids(&self) -> &[BufferId] {
        &self.ids
    }

    /// A buffer the display does not read, marked busy: its slot number and id.
    pub fn take_free(&mut self) -> Option<(usize, BufferId)> {
        let slot = self.busy.iter().position(|busy| !busy)?;
        self.busy[slot] = true;
        Some((slot, self.ids[slot]))
    }

    /// The display let go of `id`; false if it is not one of these.
    pub fn release(&mut self, id: BufferId) -> bool {
        match self.ids.iter().position(|&i| i == id) {
            Some(slot) => {
                self.busy[slot] = false;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_free_again_only_once_released() {
        let mut ring = SlotRing::new(vec![BufferId(4), BufferId(5)]);
        assert_eq!(ring.take_free(), Some((0, BufferId(4))));
        assert_eq!(ring.take_free(), Some((1, BufferId(5))));
        assert_eq!(ring.take_free(), None, "both held by the display");
        assert!(ring.release(BufferId(4)));
        assert!(!ring.release(BufferId(9)), "not one of the ring's");
        assert_eq!(ring.take_free(), Some((0, BufferId(4))));
    }
}
