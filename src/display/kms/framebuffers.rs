//! The card's framebuffers: imported dmabufs (PRIME + AddFB2) and dumb buffers the card
//! allocates itself, all freed in the order the kernel wants.

use drm::buffer::{self, Buffer as _, DrmFourcc, DrmModifier, PlanarBuffer};
use drm::control::{dumbbuffer::DumbBuffer, framebuffer, Device as _, FbCmd2Flags};

use super::device::Card;
use super::error::{ioctl, KmsError};
use crate::display::{Import, RenderTarget};
use crate::dmabuf::FrameMemory;
use crate::format::{Chroma, PixelFormat, MODIFIER_LINEAR};

/// One framebuffer and, where the card made it, the memory behind it.
pub struct Framebuffer {
    pub handle: framebuffer::Handle,
    /// It holds YCbCr: the plane converts it with its COLOR_ENCODING and COLOR_RANGE.
    pub ycbcr: bool,
    memory: CardMemory,
}

/// Who owns a framebuffer's memory.
enum CardMemory {
    /// A dmabuf from elsewhere, PRIME-imported (its handles are in `Imports`).
    Imported,
    /// A dumb buffer: the CPU writes it.
    Dumb(DumbBuffer),
    /// A GBM buffer object: the GPU draws it.
    Gbm(gbm::BufferObject<()>),
}

/// A dmabuf as AddFB2 sees it.
struct Planar<'a> {
    buffer: &'a Import<'a>,
    handles: [Option<buffer::Handle>; 4],
    linear: bool,
}

impl PlanarBuffer for Planar<'_> {
    fn size(&self) -> (u32, u32) {
        self.buffer.size
    }
    fn format(&self) -> DrmFourcc {
        self.buffer.format.drm
    }
    fn modifier(&self) -> Option<DrmModifier> {
        self.linear.then_some(DrmModifier::Linear)
    }
    fn pitches(&self) -> [u32; 4] {
        let mut pitches = [0; 4];
        for (slot, plane) in pitches.iter_mut().zip(&self.buffer.planes) {
            *slot = plane.pitch;
        }
        pitches
    }
    fn handles(&self) -> [Option<buffer::Handle>; 4] {
        self.handles
    }
    fn offsets(&self) -> [u32; 4] {
        let mut offsets = [0; 4];
        for (slot, plane) in offsets.iter_mut().zip(&self.buffer.planes) {
            *slot = plane.offset;
        }
        offsets
    }
}

/// A buffer object as AddFB2 sees it: its modifier only where the driver takes modifiers
/// and GBM named one.
struct GbmPlanar<'a> {
    bo: &'a gbm::BufferObject<()>,
    modifier: Option<DrmModifier>,
}

impl GbmPlanar<'_> {
    fn new(bo: &gbm::BufferObject<()>, driver_takes_modifiers: bool) -> GbmPlanar<'_> {
        let modifier =
            Some(bo.modifier()).filter(|m| driver_takes_modifiers && *m != DrmModifier::Invalid);
        GbmPlanar { bo, modifier }
    }
}

impl PlanarBuffer for GbmPlanar<'_> {
    fn size(&self) -> (u32, u32) {
        (self.bo.width(), self.bo.height())
    }
    fn format(&self) -> DrmFourcc {
        self.bo.format()
    }
    fn modifier(&self) -> Option<DrmModifier> {
        self.modifier
    }
    fn pitches(&self) -> [u32; 4] {
        PlanarBuffer::pitches(self.bo)
    }
    fn handles(&self) -> [Option<buffer::Handle>; 4] {
        PlanarBuffer::handles(self.bo)
    }
    fn offsets(&self) -> [u32; 4] {
        PlanarBuffer::offsets(self.bo)
    }
}

/// The GEM handles of every import, each closed once: importing one dmabuf twice (two
/// planes in one buffer) yields the same handle.
#[derive(Default)]
pub struct Imports(Vec<buffer::Handle>);

impl Imports {
    /// PRIME-imports `buffer` (number `index`, for errors) and wraps it in a framebuffer.
    pub fn add(
        &mut self,
        card: &Card,
        buffer: &Import<'_>,
        index: usize,
        linear: bool,
    ) -> Result<Framebuffer, KmsError> {
        let mut handles = [None; 4];
        for (slot, plane) in handles.iter_mut().zip(&buffer.planes) {
            let handle = card
                .prime_fd_to_buffer(plane.fd)
                .map_err(|source| KmsError::Import { index, source })?;
            if !self.0.contains(&handle) {
                self.0.push(handle);
            }
            *slot = Some(handle);
        }
        let planar = Planar {
            buffer,
            handles,
            linear,
        };
        let flags = if linear {
            FbCmd2Flags::MODIFIERS
        } else {
            FbCmd2Flags::empty()
        };
        let handle = card
            .add_planar_framebuffer(&planar, flags)
            .map_err(|source| refused(&buffer.format, buffer.size, source))?;
        Ok(Framebuffer {
            handle,
            ycbcr: buffer.format.chroma() != Chroma::None,
            memory: CardMemory::Imported,
        })
    }

    /// Closes every imported handle; their framebuffers must be gone first.
    pub fn close_all(&mut self, card: &Card) {
        for handle in self.0.drain(..) {
            let _ = card.close_buffer(handle);
        }
    }
}

fn refused(format: &PixelFormat, (width, height): (u32, u32), source: std::io::Error) -> KmsError {
    KmsError::AddFramebuffer {
        format: format.name(),
        width,
        height,
        source,
    }
}

impl Framebuffer {
    /// An XRGB8888 dumb buffer of `size` with its framebuffer.
    pub fn dumb(card: &Card, size: (u32, u32)) -> Result<Framebuffer, KmsError> {
        let dumb = card
            .create_dumb_buffer(size, DrmFourcc::Xrgb8888, 32)
            .map_err(ioctl("allocating a display buffer"))?;
        match card.add_framebuffer(&dumb, 24, 32) {
            Ok(handle) => Ok(Framebuffer {
                handle,
                ycbcr: false,
                memory: CardMemory::Dumb(dumb),
            }),
            Err(source) => {
                let _ = card.destroy_dumb_buffer(dumb);
                Err(refused(&PixelFormat::xrgb8888(), size, source))
            }
        }
    }

    /// A GBM buffer object of the card's with its framebuffer.
    pub fn gbm(
        card: &Card,
        bo: gbm::BufferObject<()>,
        driver_takes_modifiers: bool,
    ) -> Result<Framebuffer, KmsError> {
        let planar = GbmPlanar::new(&bo, driver_takes_modifiers);
        let flags = match planar.modifier {
            Some(_) => FbCmd2Flags::MODIFIERS,
            None => FbCmd2Flags::empty(),
        };
        let handle = card
            .add_planar_framebuffer(&planar, flags)
            .map_err(|source| refused(&PixelFormat::xrgb8888(), planar.size(), source))?;
        // Render targets: XRGB8888.
        Ok(Framebuffer {
            handle,
            ycbcr: false,
            memory: CardMemory::Gbm(bo),
        })
    }

    /// The card's own memory exported as a dmabuf for the GPU to draw into.
    pub fn render_target(
        &self,
        card: &Card,
        id: crate::display::BufferId,
    ) -> Result<RenderTarget, KmsError> {
        let (handle, pitch, modifier) = match &self.memory {
            CardMemory::Dumb(dumb) => (dumb.handle(), dumb.pitch(), MODIFIER_LINEAR),
            CardMemory::Gbm(bo) => (
                buffer::Buffer::handle(bo),
                bo.stride(),
                u64::from(bo.modifier()),
            ),
            CardMemory::Imported => return Err(KmsError::NotImported(id.0)),
        };
        // Read-write: a read-only export crashed llvmpipe in weston (the rig's facts).
        let flags = (libc::O_RDWR | libc::O_CLOEXEC) as u32;
        let fd = card
            .buffer_to_prime_fd(handle, flags)
            .map_err(ioctl("exporting a display buffer"))?;
        Ok(RenderTarget {
            id,
            fd,
            pitch,
            modifier,
        })
    }

    /// Maps the dumb buffer and lends its pixels to `write`, with the row pitch.
    pub fn write<T>(
        &mut self,
        card: &Card,
        id: usize,
        write: impl FnOnce(&mut [u8], usize) -> T,
    ) -> Result<T, KmsError> {
        let CardMemory::Dumb(dumb) = &mut self.memory else {
            return Err(KmsError::NotImported(id));
        };
        let pitch = dumb.pitch() as usize;
        let mut mapping = card
            .map_dumb_buffer(dumb)
            .map_err(ioctl("mapping a display buffer"))?;
        Ok(write(&mut mapping, pitch))
    }

    pub fn is_imported(&self) -> bool {
        matches!(self.memory, CardMemory::Imported)
    }

    /// Removes the framebuffer, then the memory it scanned out.
    pub fn destroy(self, card: &Card) {
        let _ = card.destroy_framebuffer(self.handle);
        if let CardMemory::Dumb(dumb) = self.memory {
            let _ = card.destroy_dumb_buffer(dumb);
        }
        // A GBM buffer object frees itself when dropped.
    }
}

/// An XRGB8888 dumb buffer of `size` as a dmabuf alone: its GEM handle is closed, and the
/// memory lives as long as the dmabuf.
pub fn exported_dumb(card: &Card, size: (u32, u32)) -> Result<FrameMemory, KmsError> {
    exported_dumb_of(card, size, DrmFourcc::Xrgb8888, 32)
}

/// A dumb buffer of `size` pixels of `format` (`bpp` bits each) as a dmabuf alone.
pub fn exported_dumb_of(
    card: &Card,
    size: (u32, u32),
    format: DrmFourcc,
    bpp: u32,
) -> Result<FrameMemory, KmsError> {
    let dumb = card
        .create_dumb_buffer(size, format, bpp)
        .map_err(ioctl("allocating a frame buffer"))?;
    let flags = (libc::O_RDWR | libc::O_CLOEXEC) as u32;
    let exported = card.buffer_to_prime_fd(dumb.handle(), flags);
    let (pitch, height) = (dumb.pitch(), dumb.size().1);
    let _ = card.destroy_dumb_buffer(dumb);
    Ok(FrameMemory {
        fd: exported.map_err(ioctl("exporting a frame buffer"))?,
        pitch,
        len: pitch * height,
        modifier: MODIFIER_LINEAR,
    })
}
