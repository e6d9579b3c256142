//! The GPU rung: camera dmabufs imported into EGL (one EGLImage per plane, once per V4L2
//! buffer) and drawn with the GLES shaders in `shaders/` into display buffers that are
//! themselves dmabufs. No window system, just a context: on the GBM platform of the
//! display's card where it has one, so the GPU that draws is the one that scans out, else
//! surfaceless (whatever GPU Mesa picks, llvmpipe without one).

pub mod planes;

use std::ffi::c_void;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::rc::Rc;

use glow::HasContext;
use khronos_egl as egl;

use crate::capture::{ExportedBuffer, StreamFormat};
use crate::dmabuf::GbmDevice;
use crate::format::MODIFIER_LINEAR;
use crate::geometry::MarkerSquare;
use crate::view::View;
use gbm::AsRaw as _;
use planes::{ShaderLayout, TexturePlane};

const VERTEX_SHADER: &str = include_str!("../../shaders/frame.vert");
const FRAGMENT_SHADER: &str = include_str!("../../shaders/frame.frag");

// EGL_MESA_platform_surfaceless and EGL_EXT_image_dma_buf_import.
const PLATFORM_SURFACELESS_MESA: egl::Enum = 0x31DD;
// EGL_KHR_platform_gbm.
const PLATFORM_GBM_KHR: egl::Enum = 0x31D7;
const LINUX_DMA_BUF_EXT: egl::Enum = 0x3270;
const LINUX_DRM_FOURCC_EXT: egl::Attrib = 0x3271;
const DMA_BUF_PLANE0_FD_EXT: egl::Attrib = 0x3272;
const DMA_BUF_PLANE0_OFFSET_EXT: egl::Attrib = 0x3273;
const DMA_BUF_PLANE0_PITCH_EXT: egl::Attrib = 0x3274;
// EGL_EXT_image_dma_buf_import_modifiers.
const DMA_BUF_PLANE0_MODIFIER_LO_EXT: egl::Attrib = 0x3443;
const DMA_BUF_PLANE0_MODIFIER_HI_EXT: egl::Attrib = 0x3444;
// GL_OES_EGL_image_external's target is not needed: planes are plain 2D textures.
type ImageTargetTexture2DOes = unsafe extern "system" fn(target: u32, image: *const c_void);

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// libEGL could not be loaded.
    #[error("cannot load libEGL: {0}")]
    Load(String),
    /// An EGL call failed.
    #[error("{what}: {}", egl_error_name(*.error))]
    Egl {
        what: &'static str,
        error: egl::Error,
    },
    /// The EGL implementation lacks something the GPU rung needs.
    #[error("EGL lacks {0}")]
    Missing(&'static str),
    /// A shader did not compile or link.
    #[error("shader: {0}")]
    Shader(String),
    /// The camera format has no shader path.
    #[error("the GPU path cannot read {0}")]
    Format(String),
    /// The framebuffer for a display buffer is incomplete.
    #[error("cannot render into a display buffer (framebuffer status {0:#x})")]
    Target(u32),
}

/// EGL_BAD_MATCH rather than khronos-egl's sentence, which readers cannot look up.
fn egl_error_name(error: egl::Error) -> String {
    let mut name = String::from("EGL");
    for c in format!("{error:?}").chars() {
        if c.is_ascii_uppercase() {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

fn egl_error(what: &'static str) -> impl FnOnce(egl::Error) -> RenderError {
    move |error| RenderError::Egl { what, error }
}

/// A display buffer the GPU draws into.
struct Target {
    image: egl::Image,
    texture: glow::Texture,
    framebuffer: glow::Framebuffer,
    size: (u32, u32),
}

/// One camera buffer's planes as textures.
struct CameraTextures {
    images: Vec<egl::Image>,
    textures: Vec<glow::Texture>,
}

type Egl = egl::DynamicInstance<egl::EGL1_5>;

/// Where the GPU rung's EGL display lives.
pub enum Platform {
    /// No device named: Mesa picks one (llvmpipe where there is no GPU).
    Surfaceless,
    /// The display card's GBM device, kept open as long as the EGL display.
    Gbm(Rc<GbmDevice>),
}

pub struct GpuConverter {
    egl: egl::DynamicInstance<egl::EGL1_5>,
    display: egl::Display,
    context: egl::Context,
    gl: glow::Context,
    image_target_texture: ImageTargetTexture2DOes,
    program: glow::Program,
    camera: Vec<CameraTextures>,
    layout: Option<ShaderLayout>,
    frame_size: (u32, u32),
    /// What of the frame is drawn, and which way up.
    view: View,
    colorimetry: [f32; 6],
    targets: Vec<Target>,
    /// The GBM device under a GBM-platform display; None when surfaceless.
    gbm: Option<Rc<GbmDevice>>,
}

impl GpuConverter {
    /// A GLES 3 context with dmabuf import on `platform`.
    pub fn new(platform: Platform) -> Result<GpuConverter, RenderError> {
        Self::with_context(platform, true)
    }

    /// The context alone: `dmabuf` false lets the shader tests run on Mesa releases whose
    /// llvmpipe cannot import dmabufs yet.
    fn with_context(platform: Platform, dmabuf: bool) -> Result<GpuConverter, RenderError> {
        // SAFETY: loading the system's libEGL, which follows the EGL API.
        let egl = unsafe { egl::DynamicInstance::<egl::EGL1_5>::load_required() }
            .map_err(|e| RenderError::Load(e.to_string()))?;
        let gbm = match platform {
            Platform::Surfaceless => None,
            Platform::Gbm(device) => Some(device),
        };
        let display = initialised_display(&egl, gbm.as_deref(), dmabuf)?;
        let context = gles_context(&egl, display)?;
        let load = |name: &str| {
            egl.get_proc_address(name)
                .map_or(std::ptr::null(), |f| f as *const c_void)
        };
        // SAFETY: the context is current on this thread; names resolve to GLES functions.
        let gl = unsafe { glow::Context::from_loader_function(load) };
        let image_target_texture = egl
            .get_proc_address("glEGLImageTargetTexture2DOES")
            .ok_or(RenderError::Missing("glEGLImageTargetTexture2DOES"))?;
        // SAFETY: the function has this signature (GL_OES_EGL_image).
        let image_target_texture: ImageTargetTexture2DOes = unsafe {
            std::mem::transmute::<extern "system" fn(), ImageTargetTexture2DOes>(
                image_target_texture,
            )
        };
        let program = compile(&gl)?;
        Ok(GpuConverter {
            egl,
            display,
            context,
            gl,
            image_target_texture,
            program,
            camera: Vec::new(),
            layout: None,
            frame_size: (0, 0),
            view: View::default(),
            colorimetry: [0.0; 6],
            targets: Vec::new(),
            gbm,
        })
    }

    /// The GL renderer's name (GL_RENDERER): the GPU that draws, or a software rasterizer.
    pub fn renderer(&self) -> String {
        // SAFETY: the context is current on this thread.
        unsafe { self.gl.get_parameter_string(glow::RENDERER) }
    }

    /// Whether the drawing is done by a CPU rasterizer (Mesa's llvmpipe or softpipe), which
    /// is what a card without a GPU gets on its GBM device.
    pub fn draws_in_software(&self) -> bool {
        let renderer = self.renderer();
        ["llvmpipe", "softpipe", "swrast"]
            .iter()
            .any(|name| renderer.contains(name))
    }

    /// An EGLImage of one dmabuf plane; `modifier` None leaves the layout implicit.
    fn import_plane(
        &self,
        fd: BorrowedFd<'_>,
        fourcc: u32,
        (width, height): (u32, u32),
        (offset, pitch): (u32, u32),
        modifier: Option<u64>,
    ) -> Result<egl::Image, RenderError> {
        let mut attributes = vec![
            egl::WIDTH as egl::Attrib,
            width as egl::Attrib,
            egl::HEIGHT as egl::Attrib,
            height as egl::Attrib,
            LINUX_DRM_FOURCC_EXT,
            fourcc as egl::Attrib,
            DMA_BUF_PLANE0_FD_EXT,
            fd.as_raw_fd() as egl::Attrib,
            DMA_BUF_PLANE0_OFFSET_EXT,
            offset as egl::Attrib,
            DMA_BUF_PLANE0_PITCH_EXT,
            pitch as egl::Attrib,
        ];
        if let Some(modifier) = modifier {
            attributes.extend([
                DMA_BUF_PLANE0_MODIFIER_LO_EXT,
                (modifier & 0xffff_ffff) as egl::Attrib,
                DMA_BUF_PLANE0_MODIFIER_HI_EXT,
                (modifier >> 32) as egl::Attrib,
            ]);
        }
        attributes.push(egl::ATTRIB_NONE);
        // SAFETY: EGL_NO_CONTEXT and a null client buffer, as dmabuf import requires.
        let (no_context, no_buffer) = unsafe {
            (
                egl::Context::from_ptr(egl::NO_CONTEXT),
                egl::ClientBuffer::from_ptr(std::ptr::null_mut()),
            )
        };
        self.egl
            .create_image(
                self.display,
                no_context,
                LINUX_DMA_BUF_EXT,
                no_buffer,
                &attributes,
            )
            .map_err(egl_error("importing a dmabuf into EGL"))
    }

    fn texture_of(&self, image: &egl::Image) -> Result<glow::Texture, RenderError> {
        // SAFETY: the context is current; the image is live.
        unsafe {
            let texture = self.gl.create_texture().map_err(RenderError::Shader)?;
            self.gl.bind_texture(glow::TEXTURE_2D, Some(texture));
            self.gl.tex_parameter_i32(
                glow::TEXTURE_2D,
                glow::TEXTURE_MIN_FILTER,
                glow::NEAREST as i32,
            );
            self.gl.tex_parameter_i32(
                glow::TEXTURE_2D,
                glow::TEXTURE_MAG_FILTER,
                glow::NEAREST as i32,
            );
            (self.image_target_texture)(glow::TEXTURE_2D, image.as_ptr());
            Ok(texture)
        }
    }

    /// Imports every camera buffer's planes, once.
    pub fn import_camera(
        &mut self,
        buffers: &[ExportedBuffer],
        format: &StreamFormat,
    ) -> Result<(), RenderError> {
        let (planes, layout) =
            planes::describe(&format.pixel, &format.layout, format.width, format.height)
                .ok_or_else(|| RenderError::Format(format.pixel.name()))?;
        for buffer in buffers {
            let mut camera = CameraTextures {
                images: Vec::new(),
                textures: Vec::new(),
            };
            for TexturePlane {
                fourcc,
                width,
                height,
                mem_plane,
                offset,
                pitch,
            } in &planes
            {
                let fd = buffer.planes[*mem_plane].fd.as_fd();
                let size = (*width, *height);
                let image = self.import_plane(fd, *fourcc as u32, size, (*offset, *pitch), None)?;
                camera.textures.push(self.texture_of(&image)?);
                camera.images.push(image);
            }
            self.camera.push(camera);
        }
        self.layout = Some(layout);
        self.frame_size = (format.width, format.height);
        self.colorimetry = format.colorimetry.coefficients().map(|c| c as f32);
        Ok(())
    }

    /// Makes a display buffer (an XRGB8888 dmabuf in layout `modifier`) a render target;
    /// returns its number.
    pub fn add_target(
        &mut self,
        fd: BorrowedFd<'_>,
        size: (u32, u32),
        pitch: u32,
        modifier: u64,
    ) -> Result<usize, RenderError> {
        // LINEAR is what an import without a modifier means; saying it needs an extension
        // not every EGL has.
        let explicit = (modifier != MODIFIER_LINEAR).then_some(modifier);
        let xrgb = drm_fourcc::DrmFourcc::Xrgb8888 as u32;
        let image = self.import_plane(fd, xrgb, size, (0, pitch), explicit)?;
        let texture = self.texture_of(&image)?;
        // SAFETY: the context is current; the texture is live.
        let framebuffer = unsafe {
            let framebuffer = self.gl.create_framebuffer().map_err(RenderError::Shader)?;
            self.gl
                .bind_framebuffer(glow::FRAMEBUFFER, Some(framebuffer));
            self.gl.framebuffer_texture_2d(
                glow::FRAMEBUFFER,
                glow::COLOR_ATTACHMENT0,
                glow::TEXTURE_2D,
                Some(texture),
                0,
            );
            let status = self.gl.check_framebuffer_status(glow::FRAMEBUFFER);
            if status != glow::FRAMEBUFFER_COMPLETE {
                return Err(RenderError::Target(status));
            }
            framebuffer
        };
        self.targets.push(Target {
            image,
            texture,
            framebuffer,
            size,
        });
        Ok(self.targets.len() - 1)
    }

    /// Forgets every render target, before their display buffers go.
    pub fn remove_targets(&mut self) {
        // SAFETY: the context is current on this thread; each object is deleted once.
        unsafe {
            for target in self.targets.drain(..) {
                self.gl.delete_framebuffer(target.framebuffer);
                self.gl.delete_texture(target.texture);
                let _ = self.egl.destroy_image(self.display, target.image);
            }
        }
    }

    /// What of the frame the view samples, and where its picture goes in a `target`-sized
    /// buffer: as large as fits, centred.
    fn picture_in(&self, target: (u32, u32)) -> (Sampling, [i32; 4]) {
        let (source, to) = self.view.placed(self.frame_size, target);
        let sampling = Sampling {
            source: [source.x, source.y, source.width, source.height].map(|n| n as i32),
            quarter_turns: self.view.transform.quarter_turns() as i32,
            mirrored: self.view.transform.mirrored(),
        };
        let destination = [to.x, to.y, to.width, to.height].map(|n| n as i32);
        (sampling, destination)
    }

    /// Draws `view` of the frames from now on (--transform, --crop, --fill, zoom).
    pub fn set_view(&mut self, view: View) {
        self.view = view;
    }

    /// Draws camera buffer `index` into target `target`, keeping its aspect ratio, and
    /// waits until the GPU is done (the display must not show a half-drawn frame, and the
    /// camera buffer goes back to the driver right after).
    /// With `marker`, paints bench --g2g's marker square white (true) or black over the
    /// picture's bottom-left corner. The GPU work is finished on return: ready to flip.
    pub fn draw(
        &self,
        index: usize,
        target: usize,
        marker: Option<bool>,
    ) -> Result<(), RenderError> {
        let (Some(camera), Some(target), Some(layout)) = (
            self.camera.get(index),
            self.targets.get(target),
            self.layout,
        ) else {
            return Err(RenderError::Format(format!(
                "camera buffer {index} or target {target}"
            )));
        };
        let (w, h) = target.size;
        let (sampling, destination) = self.picture_in((w, h));
        let (fw, fh) = (destination[2] as u32, destination[3] as u32);
        // SAFETY: the context is current; every object used is live.
        unsafe {
            draw(
                &self.gl,
                self.program,
                target.framebuffer,
                (w, h),
                &camera.textures,
                layout,
                sampling,
                destination,
                &self.colorimetry,
            );
            if let Some(white) = marker {
                // Row 0 of the display buffer is the top of the screen, and GL's row 0 too:
                // the square's y counts from the top in both.
                let square =
                    MarkerSquare::in_picture(destination[0] as u32, destination[1] as u32, fw, fh);
                let level = if white { 1.0 } else { 0.0 };
                self.gl.enable(glow::SCISSOR_TEST);
                self.gl.scissor(
                    square.x as i32,
                    square.y as i32,
                    square.side as i32,
                    square.side as i32,
                );
                self.gl.clear_color(level, level, level, 1.0);
                self.gl.clear(glow::COLOR_BUFFER_BIT);
                self.gl.disable(glow::SCISSOR_TEST);
            }
            // Flipped to as soon as this returns: the GPU must be done with it.
            self.gl.finish();
        }
        Ok(())
    }
}

/// Which of the frame's pixels the picture samples: a rectangle of it, mirrored and turned
/// as the view asks.
#[derive(Debug, Clone, Copy)]
struct Sampling {
    /// x, y, width, height in frame pixels.
    source: [i32; 4],
    quarter_turns: i32,
    mirrored: bool,
}

impl Sampling {
    #[cfg(test)]
    fn whole((w, h): (u32, u32)) -> Sampling {
        Sampling {
            source: [0, 0, w as i32, h as i32],
            quarter_turns: 0,
            mirrored: false,
        }
    }
}

/// One conversion pass, shared by the converter and its tests.
#[allow(clippy::too_many_arguments)]
unsafe fn draw(
    gl: &glow::Context,
    program: glow::Program,
    framebuffer: glow::Framebuffer,
    (w, h): (u32, u32),
    textures: &[glow::Texture],
    layout: ShaderLayout,
    sampling: Sampling,
    destination: [i32; 4],
    colorimetry: &[f32; 6],
) {
    unsafe {
        gl.bind_framebuffer(glow::FRAMEBUFFER, Some(framebuffer));
        gl.viewport(0, 0, w as i32, h as i32);
        gl.use_program(Some(program));
        for (unit, name) in ["plane0", "plane1", "plane2"].iter().enumerate() {
            gl.active_texture(glow::TEXTURE0 + unit as u32);
            gl.bind_texture(
                glow::TEXTURE_2D,
                textures.get(unit).or(textures.first()).copied(),
            );
            gl.uniform_1_i32(gl.get_uniform_location(program, name).as_ref(), unit as i32);
        }
        let uniform = |name: &str| gl.get_uniform_location(program, name);
        gl.uniform_1_i32(uniform("layout_kind").as_ref(), layout.kind);
        gl.uniform_4_i32_slice(uniform("packed_order").as_ref(), &layout.packed_order);
        gl.uniform_2_i32_slice(uniform("subsampling").as_ref(), &layout.subsampling);
        gl.uniform_1_i32(
            uniform("swap_chroma").as_ref(),
            i32::from(layout.swap_chroma),
        );
        gl.uniform_1_f32_slice(uniform("coefficients").as_ref(), colorimetry);
        gl.uniform_4_i32_slice(uniform("destination").as_ref(), &destination);
        gl.uniform_4_i32_slice(uniform("source").as_ref(), &sampling.source);
        gl.uniform_1_i32(uniform("quarter_turns").as_ref(), sampling.quarter_turns);
        gl.uniform_1_i32(uniform("mirrored").as_ref(), i32::from(sampling.mirrored));
        gl.draw_arrays(glow::TRIANGLES, 0, 3);
    }
}

/// The EGL display on `gbm`'s device, else surfaceless, initialised, with the extensions
/// the GPU rung needs.
fn initialised_display(
    egl: &Egl,
    gbm: Option<&GbmDevice>,
    dmabuf: bool,
) -> Result<egl::Display, RenderError> {
    let (platform, native, what) = match gbm {
        Some(device) => (
            PLATFORM_GBM_KHR,
            device.as_raw() as *mut c_void,
            "opening an EGL display on the card's GBM device",
        ),
        None => (
            PLATFORM_SURFACELESS_MESA,
            std::ptr::null_mut(),
            "opening a surfaceless EGL display",
        ),
    };
    // SAFETY: the native display is a live gbm_device (kept as long as the converter), or
    // none for the surfaceless platform.
    let display = unsafe { egl.get_platform_display(platform, native, &[egl::ATTRIB_NONE]) }
        .map_err(egl_error(what))?;
    egl.initialize(display)
        .map_err(egl_error("initialising EGL"))?;
    let extensions = egl
        .query_string(Some(display), egl::EXTENSIONS)
        .map_err(egl_error("reading EGL extensions"))?
        .to_string_lossy()
        .into_owned();
    for needed in [
        "EGL_EXT_image_dma_buf_import",
        "EGL_KHR_surfaceless_context",
        "EGL_KHR_no_config_context",
    ] {
        let wanted = dmabuf || !needed.contains("dma_buf");
        if wanted && !extensions.split(' ').any(|e| e == needed) {
            return Err(RenderError::Missing(needed));
        }
    }
    Ok(display)
}

/// A GLES 3 context without a config or surface, current on this thread.
fn gles_context(egl: &Egl, display: egl::Display) -> Result<egl::Context, RenderError> {
    egl.bind_api(egl::OPENGL_ES_API)
        .map_err(egl_error("choosing OpenGL ES"))?;
    // SAFETY: EGL_NO_CONFIG_KHR, allowed by EGL_KHR_no_config_context.
    let no_config = unsafe { egl::Config::from_ptr(std::ptr::null_mut()) };
    let context = egl
        .create_context(
            display,
            no_config,
            None,
            &[egl::CONTEXT_MAJOR_VERSION, 3, egl::NONE],
        )
        .map_err(egl_error("creating a GLES 3 context"))?;
    egl.make_current(display, None, None, Some(context))
        .map_err(egl_error("making the context current"))?;
    Ok(context)
}

fn compile(gl: &glow::Context) -> Result<glow::Program, RenderError> {
    // SAFETY: the context is current.
    unsafe {
        let program = gl.create_program().map_err(RenderError::Shader)?;
        for (kind, source) in [
            (glow::VERTEX_SHADER, VERTEX_SHADER),
            (glow::FRAGMENT_SHADER, FRAGMENT_SHADER),
        ] {
            let shader = gl.create_shader(kind).map_err(RenderError::Shader)?;
            gl.shader_source(shader, source);
            gl.compile_shader(shader);
            if !gl.get_shader_compile_status(shader) {
                return Err(RenderError::Shader(gl.get_shader_info_log(shader)));
            }
            gl.attach_shader(program, shader);
        }
        gl.link_program(program);
        if !gl.get_program_link_status(program) {
            return Err(RenderError::Shader(gl.get_program_info_log(program)));
        }
        Ok(program)
    }
}

impl Drop for GpuConverter {
    fn drop(&mut self) {
        // SAFETY: the context is current on this thread; objects are deleted once.
        self.remove_targets();
        unsafe {
            for camera in self.camera.drain(..) {
                for texture in camera.textures {
                    self.gl.delete_texture(texture);
                }
                for image in camera.images {
                    let _ = self.egl.destroy_image(self.display, image);
                }
            }
            self.gl.delete_program(self.program);
        }
        let _ = self.egl.make_current(self.display, None, None, None);
        let _ = self.egl.destroy_context(self.display, self.context);
        // A GBM display is this converter's own, and holds a duplicate of the card's fd
        // until terminated. The surfaceless one is one per process, and terminating it
        // would pull it from under any other converter (the tests run several at once).
        if self.gbm.is_some() {
            let _ = self.egl.terminate(self.display);
        }
    }
}

#[cfg(test)]
mod tests {
    //! Shader against CPU reference (src/convert.rs) on known inputs, on this machine's
    //! Mesa (llvmpipe, surfaceless). Planes are uploaded as ordinary textures holding the
    //! bytes a dmabuf import would give; the rig covers the import itself.
    use super::*;
    use crate::convert::{to_xrgb8888, Colorimetry, Matrix};
    use crate::format::{parse_fourcc, PixelFormat};

    #[test]
    fn egl_errors_are_named_as_in_the_spec() {
        let error = RenderError::Egl {
            what: "importing a dmabuf into EGL",
            error: egl::Error::BadMatch,
        };
        assert_eq!(
            error.to_string(),
            "importing a dmabuf into EGL: EGL_BAD_MATCH"
        );
        assert_eq!(
            egl_error_name(egl::Error::BadNativeWindow),
            "EGL_BAD_NATIVE_WINDOW"
        );
    }

    /// Per channel: the shader computes in float, the CPU in 16.16 fixed point.
    const TOLERANCE: u8 = 2;
    const W: u32 = 16;
    const H: u32 = 8;

    fn pattern(len: usize, seed: u32) -> Vec<u8> {
        let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(12345);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 8) as u8
            })
            .collect()
    }

    fn gl_format(fourcc: drm_fourcc::DrmFourcc) -> (i32, u32, usize) {
        use drm_fourcc::DrmFourcc::*;
        match fourcc {
            R8 => (glow::R8 as i32, glow::RED, 1),
            Gr88 => (glow::RG8 as i32, glow::RG, 2),
            _ => (glow::RGBA8 as i32, glow::RGBA, 4),
        }
    }

    fn check(name: &str, colorimetry: Colorimetry) {
        let format = PixelFormat::from_v4l2(parse_fourcc(name).unwrap()).unwrap();
        let planes: Vec<(u32, u32)> = match format.mem_planes {
            1 => {
                let pitch = W * if matches!(name, "YUYV" | "UYVY" | "YVYU" | "VYUY") {
                    2
                } else {
                    1
                };
                vec![(pitch, pitch * H * 2)]
            }
            _ => vec![(W, W * H), (W, W * H)],
        };
        let layout = format.layout(W, H, &planes).unwrap();
        let memory: Vec<Vec<u8>> = planes
            .iter()
            .enumerate()
            .map(|(i, p)| pattern(p.1 as usize, i as u32 + 7))
            .collect();
        let mem: Vec<&[u8]> = memory.iter().map(Vec::as_slice).collect();
        let mut expected = vec![0; (W * H * 4) as usize];
        to_xrgb8888(
            &format,
            &layout,
            &mem,
            (W, H),
            colorimetry,
            &mut expected,
            (W * 4) as usize,
        )
        .unwrap();

        let converter = GpuConverter::with_context(Platform::Surfaceless, false)
            .expect("surfaceless EGL with GLES 3 on this machine");
        let gl = &converter.gl;
        let (texture_planes, shader) = planes::describe(&format, &layout, W, H).unwrap();
        let mut rendered = vec![0u8; (W * H * 4) as usize];
        // SAFETY: the converter's context is current on this thread.
        unsafe {
            let mut textures = Vec::new();
            for plane in &texture_planes {
                let (internal, gl_fmt, bpp) = gl_format(plane.fourcc);
                let src = &mem[plane.mem_plane][plane.offset as usize..];
                let mut packed = Vec::new();
                for row in 0..plane.height as usize {
                    let start = row * plane.pitch as usize;
                    packed.extend_from_slice(&src[start..start + plane.width as usize * bpp]);
                }
                let texture = gl.create_texture().unwrap();
                gl.bind_texture(glow::TEXTURE_2D, Some(texture));
                // Without mipmaps, the default minifying filter leaves the texture incomplete.
                gl.tex_parameter_i32(
                    glow::TEXTURE_2D,
                    glow::TEXTURE_MIN_FILTER,
                    glow::NEAREST as i32,
                );
                gl.pixel_store_i32(glow::UNPACK_ALIGNMENT, 1);
                gl.tex_image_2d(
                    glow::TEXTURE_2D,
                    0,
                    internal,
                    plane.width as i32,
                    plane.height as i32,
                    0,
                    gl_fmt,
                    glow::UNSIGNED_BYTE,
                    glow::PixelUnpackData::Slice(Some(&packed)),
                );
                textures.push(texture);
            }
            let target = gl.create_texture().unwrap();
            gl.bind_texture(glow::TEXTURE_2D, Some(target));
            gl.tex_storage_2d(glow::TEXTURE_2D, 1, glow::RGBA8, W as i32, H as i32);
            let framebuffer = gl.create_framebuffer().unwrap();
            gl.bind_framebuffer(glow::FRAMEBUFFER, Some(framebuffer));
            gl.framebuffer_texture_2d(
                glow::FRAMEBUFFER,
                glow::COLOR_ATTACHMENT0,
                glow::TEXTURE_2D,
                Some(target),
                0,
            );
            let coefficients = colorimetry.coefficients().map(|c| c as f32);
            draw(
                gl,
                converter.program,
                framebuffer,
                (W, H),
                &textures,
                shader,
                Sampling::whole((W, H)),
                [0, 0, W as i32, H as i32],
                &coefficients,
            );
            gl.read_pixels(
                0,
                0,
                W as i32,
                H as i32,
                glow::RGBA,
                glow::UNSIGNED_BYTE,
                glow::PixelPackData::Slice(Some(&mut rendered)),
            );
        }
        for i in 0..(W * H) as usize {
            // rendered is R, G, B, A; expected is XRGB8888 bytes B, G, R, X.
            let got = [rendered[i * 4 + 2], rendered[i * 4 + 1], rendered[i * 4]];
            let want = &expected[i * 4..i * 4 + 3];
            assert!(
                got.iter()
                    .zip(want)
                    .all(|(a, b)| a.abs_diff(*b) <= TOLERANCE),
                "{name} pixel {i}: shader {got:?}, CPU {want:?}"
            );
        }
    }

    const BT601: Colorimetry = Colorimetry {
        matrix: Matrix::Bt601,
        full_range: false,
    };

    #[test]
    fn packed_422_matches_the_cpu() {
        for name in ["YUYV", "UYVY", "YVYU", "VYUY"] {
            check(name, BT601);
        }
    }

    #[test]
    fn semi_planar_matches_the_cpu() {
        for name in ["NV12", "NV21", "NV16", "NV61", "NM12"] {
            check(name, BT601);
        }
    }

    #[test]
    fn planar_matches_the_cpu() {
        for name in ["YU12", "YV12", "422P"] {
            check(name, BT601);
        }
    }

    #[test]
    fn every_matrix_and_range_matches_the_cpu() {
        for matrix in [Matrix::Bt601, Matrix::Bt709, Matrix::Bt2020] {
            for full_range in [false, true] {
                check("NV12", Colorimetry { matrix, full_range });
            }
        }
    }
}
