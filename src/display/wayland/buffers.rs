//! The wl_buffers glasscam made, by BufferId: dmabuf imports (which the compositor may
//! refuse, asynchronously) and wl_shm buffers.

use std::collections::HashMap;

use wayland_client::backend::ObjectId;
use wayland_client::protocol::wl_buffer::WlBuffer;
use wayland_client::Proxy;

use crate::display::BufferId;

#[derive(Default)]
pub struct BufferTable {
    /// By BufferId; None while its params are pending, or once refused or freed.
    buffers: Vec<Option<WlBuffer>>,
    /// Buffer params still waiting for created/failed, by params object.
    pending: HashMap<ObjectId, BufferId>,
    refused: Vec<BufferId>,
    /// The dmabuf wl_buffers' ids, for their release (wl_shm buffers carry theirs).
    ids: HashMap<ObjectId, BufferId>,
}

impl BufferTable {
    /// A new id, its buffer still to come.
    pub fn reserve(&mut self) -> BufferId {
        self.buffers.push(None);
        BufferId(self.buffers.len() - 1)
    }

    /// `id`'s buffer will come as the answer to `params`.
    pub fn requested(&mut self, params: ObjectId, id: BufferId) {
        self.pending.insert(params, id);
    }

    /// The compositor made the buffer asked for by `params`.
    pub fn created(&mut self, params: &ObjectId, buffer: WlBuffer) {
        if let Some(id) = self.pending.remove(params) {
            self.ids.insert(buffer.id(), id);
            self.insert(id, buffer);
        }
    }

    /// The compositor refused the buffer asked for by `params`.
    pub fn failed(&mut self, params: &ObjectId) {
        if let Some(id) = self.pending.remove(params) {
            self.refused.push(id);
        }
    }

    pub fn insert(&mut self, id: BufferId, buffer: WlBuffer) {
        if let Some(slot) = self.buffers.get_mut(id.0) {
            *slot = Some(buffer);
        }
    }

    pub fn is_waiting(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn first_refused(&self) -> Option<BufferId> {
        self.refused.first().copied()
    }

    /// The id of a dmabuf wl_buffer the compositor released.
    pub fn id_of(&self, buffer: &WlBuffer) -> Option<BufferId> {
        self.ids.get(&buffer.id()).copied()
    }

    pub fn get(&self, id: BufferId) -> Option<&WlBuffer> {
        self.buffers.get(id.0).and_then(Option::as_ref)
    }

    pub fn destroy(&mut self, id: BufferId) {
        if let Some(buffer) = self.buffers.get_mut(id.0).and_then(Option::take) {
            self.ids.remove(&buffer.id());
            buffer.destroy();
        }
    }

    pub fn destroy_all(&mut self) {
        for id in 0..self.buffers.len() {
            self.destroy(BufferId(id));
        }
    }
}
