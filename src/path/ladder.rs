//! The fallback ladder, the one place that decides which rung carries frames to the display.
//! Direct when the display takes a camera format as it is; import when it takes the format
//! but not the camera's memory (the camera writes into the display's buffers instead); else
//! gpu (EGL import + GLES conversion); else copy (CPU conversion, every byte counted). Each
//! step down is said in one line, and decided by a typed refusal.

use std::path::PathBuf;

use anyhow::bail;

use super::blank::Blank;
use super::gpu::Gpu;
use super::import::{CameraMemory, FixedMemory, MemoryChoice};
use super::{carrier_for, Carrier, FramePath, PathChoice, PathError, Rung};
use crate::capture::{ExportedBuffer, StreamFormat};
use crate::display::{Display, Memory, Refusal, Target};
use crate::format::PixelFormat;
use crate::render::{self, GpuConverter, Platform};
use crate::view::View;

/// What the ladder is asked for.
pub struct Request {
    pub target: Target,
    pub choice: PathChoice,
    /// bench --g2g: the marker must be drawn into the frames where the display has no
    /// overlay for it.
    pub g2g: bool,
    /// The camera or file, for the lines that say why a rung was left.
    pub source: PathBuf,
    /// glasscam writes the frames itself (decoded MJPEG): a display without dmabufs can
    /// show them directly in shared memory.
    pub decoded: bool,
    /// `--memory`: whose buffers a camera fills on the direct rung.
    pub memory: MemoryChoice,
    /// `--transform`, `--crop`, `--fill`: what of the frame is shown, and which way up.
    pub view: View,
}

impl Request {
    /// A camera, not glasscam, writes the frames, and `--memory` lets it write into the
    /// display's buffers.
    fn may_import(&self) -> bool {
        !self.decoded && self.memory != MemoryChoice::Mmap
    }
}

/// A display opened for a rung, and the camera format to capture in.
pub struct Opened {
    pub display: Display,
    pub rung: Rung,
    converter: Option<Box<GpuConverter>>,
    pub camera_format: PixelFormat,
}

/// Opens the display on the rung `--path` asks for. With `--path auto`, a display that
/// refuses the camera's formats sends glasscam down to gpu, and a GPU path that cannot be
/// set up down to copy, each step with one line saying why.
pub fn open(request: &Request, candidates: &[PixelFormat]) -> anyhow::Result<Opened> {
    let camera_format = candidates[0];
    match request.choice {
        PathChoice::Only(Rung::Direct | Rung::Import) => open_direct(request, candidates),
        PathChoice::Only(Rung::Copy) => open_copy(&request.target, camera_format),
        PathChoice::Only(Rung::Gpu) => {
            let mut display = open_converted(&request.target, Rung::Gpu)?;
            let converter = gpu_for(&mut display, &camera_format)?;
            Ok(Opened {
                display,
                rung: Rung::Gpu,
                converter: Some(converter),
                camera_format,
            })
        }
        // Without an overlay for it, the console's g2g marker is drawn into the frames.
        PathChoice::Auto if request.g2g && matches!(request.target, Target::Kms { .. }) => {
            say!(
                "glasscam: bench --g2g on the console draws its marker into the frames; \
                 using the gpu rung"
            );
            gpu_or_copy(request, camera_format)
        }
        PathChoice::Auto => match Display::open(&request.target, candidates, Memory::Dmabuf) {
            Err(error) if error.refusal() == Some(Refusal::Memory) => {
                without_dmabufs(request, candidates, anyhow::Error::new(error))
            }
            Err(error) if error.refusal() == Some(Refusal::Format) => {
                let error = anyhow::Error::new(error);
                say!(
                    "glasscam: {} cannot be shown directly ({error:#}); stepping down to the gpu rung",
                    request.source.display()
                );
                gpu_or_copy(request, camera_format)
            }
            opened => {
                let (display, camera_format) = opened?;
                Ok(Opened {
                    display,
                    rung: Rung::Direct,
                    converter: None,
                    camera_format,
                })
            }
        },
    }
}

/// A display that takes no dmabufs: frames glasscam decodes itself are shown directly in
/// shared memory; a camera's go through the copy rung. One line says which.
fn without_dmabufs(
    request: &Request,
    candidates: &[PixelFormat],
    error: anyhow::Error,
) -> anyhow::Result<Opened> {
    if !request.decoded {
        say!("glasscam: the display takes no dmabufs ({error:#}); stepping down to the copy rung");
        return open_copy(&request.target, candidates[0]);
    }
    say!(
        "glasscam: the display takes no dmabufs ({error:#}); showing the decoded frames in \
         shared memory"
    );
    let (display, camera_format) = Display::open(&request.target, candidates, Memory::Cpu)?;
    Ok(Opened {
        display,
        rung: Rung::Direct,
        converter: None,
        camera_format,
    })
}

fn open_direct(request: &Request, candidates: &[PixelFormat]) -> anyhow::Result<Opened> {
    let (display, camera_format) = Display::open(&request.target, candidates, Memory::Dmabuf)?;
    Ok(Opened {
        display,
        rung: Rung::Direct,
        converter: None,
        camera_format,
    })
}

fn open_copy(target: &Target, camera_format: PixelFormat) -> anyhow::Result<Opened> {
    Ok(Opened {
        display: open_converted(target, Rung::Copy)?,
        rung: Rung::Copy,
        converter: None,
        camera_format,
    })
}

/// The display for a converting rung, which shows XRGB8888 in the memory the rung fills.
fn open_converted(target: &Target, rung: Rung) -> anyhow::Result<Display> {
    let memory = match rung {
        Rung::Copy => Memory::Cpu,
        _ => Memory::Dmabuf,
    };
    Ok(Display::open(target, &[PixelFormat::xrgb8888()], memory)?.0)
}

/// Sets up the rung between the camera's buffers and the display. With `--path auto`, a
/// display that refuses the camera's buffers gets the camera writing into its own (import,
/// where `--memory` allows), then gpu, and a GPU that cannot take them copy, each step with
/// one line saying why. `--memory dmabuf` starts at import.
pub fn connect(
    request: &Request,
    opened: Opened,
    camera: &mut dyn CameraMemory,
) -> anyhow::Result<FramePath> {
    let Opened {
        mut display,
        mut rung,
        mut converter,
        ..
    } = opened;
    if rung == Rung::Direct && request.memory == MemoryChoice::Dmabuf && !request.decoded {
        rung = Rung::Import;
    }
    loop {
        if rung == Rung::Import {
            if let Err(error) = camera.take_display_memory(&mut display) {
                if request.choice != PathChoice::Auto {
                    return Err(error);
                }
                say!(
                    "glasscam: {} cannot write into the display's buffers ({error:#}); \
                     stepping down to the gpu rung",
                    request.source.display()
                );
                drop(display);
                Opened {
                    display,
                    rung,
                    converter,
                    ..
                } = gpu_or_copy(request, camera.format().pixel)?;
                continue;
            }
        }
        // On failure the display is dropped with the error: the card is free to reopen.
        let (exported, format) = (camera.exported(), camera.format());
        let built = FramePath::new(display, rung, converter, exported, format, request.view);
        let error = match built {
            Ok(path) => return Ok(path),
            Err(error) => error,
        };
        let lower = match rung_below(rung, &error, request.may_import()) {
            Some(lower) if request.choice == PathChoice::Auto => lower,
            _ => return Err(error.into()),
        };
        Opened {
            display,
            rung,
            converter,
            ..
        } = step_down(request, camera.format().pixel, (rung, lower), error)?;
    }
}

/// `--persistent`: the rung a blanked path had, set up again on its display for a camera
/// that came back (its buffers new, its format negotiated again).
pub fn resume(
    path: &mut FramePath,
    exported: &[ExportedBuffer],
    format: &StreamFormat,
) -> anyhow::Result<()> {
    let Carrier::Blank(Blank { black, rung }) = path.carrier else {
        return Ok(());
    };
    let converter = match rung {
        Rung::Gpu => Some(gpu_for(&mut path.display, &format.pixel)?),
        _ => None,
    };
    let view = path.view;
    path.carrier = carrier_for(&mut path.display, (rung, view), converter, exported, format)?;
    // Z changes it: the view keys place frames of this size from now on.
    path.frame_size = (format.width, format.height);
    // Freed now, the black frame turns the plane off on KMS until the first frame sets the
    // mode again: black either way.
    path.display.free(&[black]);
    Ok(())
}

/// A GPU converter for this camera format drawing on the display's own device (EGL on its
/// GBM device), else on whatever GPU EGL picks, with one line saying why; or why there is
/// none.
fn gpu_for(
    display: &mut Display,
    camera_format: &PixelFormat,
) -> anyhow::Result<Box<GpuConverter>> {
    if !render::planes::supports(camera_format) {
        bail!("the GPU shaders cannot read {}", camera_format.name());
    }
    let card = display.name();
    // Why the display's own device cannot draw; None where it names no device.
    let why = match display.gpu_device() {
        None => None,
        Some(Err(error)) => Some(format!("{:#}", anyhow::Error::new(error))),
        Some(Ok(device)) => match GpuConverter::new(Platform::Gbm(device)) {
            Ok(converter) if !converter.draws_in_software() => return Ok(Box::new(converter)),
            // Mesa's kms_swrast: no GPU behind the card, and its dmabuf import crashed weston
            // and glasscam alike on cirrus. Surfaceless llvmpipe draws the same, safely.
            Ok(converter) => Some(format!(
                "{card} has no GPU: its GBM device draws with {}",
                converter.renderer()
            )),
            Err(error) => Some(format!(
                "no EGL on {card}'s GBM device ({:#})",
                anyhow::Error::new(error)
            )),
        },
    };
    if let Some(why) = why {
        say!("glasscam: {why}; the gpu rung draws with surfaceless EGL");
    }
    Ok(Box::new(GpuConverter::new(Platform::Surfaceless)?))
}

/// The gpu rung for this camera format, or, when the GPU path cannot be set up, the copy
/// rung with one line saying why.
fn gpu_or_copy(request: &Request, camera_format: PixelFormat) -> anyhow::Result<Opened> {
    let mut display = open_converted(&request.target, Rung::Gpu)?;
    match gpu_for(&mut display, &camera_format) {
        Ok(converter) => Ok(Opened {
            display,
            rung: Rung::Gpu,
            converter: Some(converter),
            camera_format,
        }),
        Err(error) => {
            say!(
                "glasscam: {} cannot use the GPU ({error:#}); stepping down to the copy rung",
                request.source.display()
            );
            drop(display);
            open_copy(&request.target, camera_format)
        }
    }
}

/// The rung below, after `rung` failed to take the camera's buffers, when that failure is
/// one a lower rung avoids. A refusal of the camera's memory is one the display's own
/// memory avoids, where the camera may write into it (`may_import`).
fn rung_below(rung: Rung, error: &PathError, may_import: bool) -> Option<Rung> {
    let never_shown = matches!(error, PathError::NeverShown { .. });
    // A view the display cannot show is drawn by the GPU; the display's memory is no help.
    let refused = matches!(error.refusal(), Some(Refusal::Buffer | Refusal::View));
    let may_import = may_import && error.refusal() == Some(Refusal::Buffer);
    match rung {
        Rung::Direct if refused && may_import => Some(Rung::Import),
        Rung::Direct | Rung::Import if never_shown || refused => Some(Rung::Gpu),
        Rung::Gpu if never_shown || matches!(error, PathError::Gpu(_) | PathError::Targets(_)) => {
            Some(Rung::Copy)
        }
        _ => None,
    }
}

/// While streaming: the rung `--path auto` steps down to after `error`, if there is one.
/// Not import: a streaming camera keeps its buffers.
pub fn lower_rung(request: &Request, rung: Rung, error: &PathError) -> Option<Rung> {
    rung_below(rung, error, false).filter(|_| request.choice == PathChoice::Auto)
}

/// While streaming: lets go of `path` (its display restored), says why in one line, and
/// sets up `lower` (or below, with a line per step) on a display opened afresh.
pub fn replace(
    request: &Request,
    path: FramePath,
    lower: Rung,
    why: PathError,
    exported: &[ExportedBuffer],
    format: &StreamFormat,
) -> anyhow::Result<FramePath> {
    let from = path.rung();
    drop(path);
    let opened = step_down(request, format.pixel, (from, lower), why)?;
    connect(request, opened, &mut FixedMemory { exported, format })
}

/// Says in one line why glasscam steps down from one rung to the `lower` one, and opens
/// the display for it; a GPU path that cannot be set up goes on down to copy, with a line
/// of its own.
fn step_down(
    request: &Request,
    camera_format: PixelFormat,
    (from, lower): (Rung, Rung),
    why: PathError,
) -> anyhow::Result<Opened> {
    let source = request.source.display();
    let refused = match from {
        Rung::Import => "its own buffers too".to_string(),
        _ => format!("{source}'s buffers"),
    };
    let what = match &why {
        PathError::Targets(_) => "the display gave the gpu rung no buffers".to_string(),
        PathError::NeverShown { .. } => "the display refused the gpu rung's buffers".to_string(),
        _ => format!("the GPU cannot take {source}'s buffers"),
    };
    if lower == Rung::Gpu && why.refusal() == Some(Refusal::View) {
        say!("glasscam: {why}; the gpu rung draws it");
        return gpu_or_copy(request, camera_format);
    }
    let why = anyhow::Error::new(why);
    if lower == Rung::Import {
        say!(
            "glasscam: the display refused {source}'s own buffers ({why:#}); the camera \
             writes into the display's (import)"
        );
        let opened = open_direct(request, &[camera_format])?;
        return Ok(Opened {
            rung: Rung::Import,
            ..opened
        });
    }
    if lower == Rung::Gpu {
        say!("glasscam: the display refused {refused} ({why:#}); stepping down to the gpu rung");
        return gpu_or_copy(request, camera_format);
    }
    say!("glasscam: {what} ({why:#}); stepping down to the copy rung");
    open_copy(&request.target, camera_format)
}

/// The gpu rung with targets of the frame's size, else, when the display refuses those
/// (too wide a pitch, no mode that size), of the size it shows without scaling: the GPU
/// scales. It draws `view` of the frame: into targets of the display's size where it has
/// one, else of the view's.
pub(super) fn gpu_rung(
    display: &mut Display,
    mut converter: Box<GpuConverter>,
    exported: &[ExportedBuffer],
    format: &StreamFormat,
    view: View,
) -> Result<Gpu, PathError> {
    converter.set_view(view);
    let mut gpu = Gpu::import(converter, exported, format)?;
    let whole = (format.width, format.height);
    let frame = match display.natural_size() {
        _ if view.is_plain() => whole,
        Some(natural) => natural,
        None => view.fitted(whole, None).1,
    };
    let refused = match gpu.add_targets(display, frame) {
        Ok(()) => return Ok(gpu),
        Err(refused @ (PathError::Display(_) | PathError::Targets(_))) => refused,
        Err(other) => return Err(other),
    };
    let Some(natural) = display.natural_size().filter(|&size| size != frame) else {
        return Err(refused);
    };
    let why = match &refused {
        PathError::Display(e) | PathError::Targets(e) if e.is_no_fit() => {
            "no placement of them".to_string()
        }
        other => other.to_string(),
    };
    say!(
        "glasscam: {} refused {}x{} display buffers ({why}); drawing frames scaled into {}x{}",
        display.output_name(),
        frame.0,
        frame.1,
        natural.0,
        natural.1
    );
    gpu.remove_targets(display);
    gpu.add_targets(display, natural)?;
    Ok(gpu)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::kms::KmsError;
    use crate::display::wayland::WaylandError;

    fn refusal(error: KmsError) -> PathError {
        PathError::Display(error.into())
    }

    #[test]
    fn a_refused_framebuffer_or_placement_steps_direct_down_to_gpu() {
        let add_fb = refusal(KmsError::AddFramebuffer {
            format: "BGR4".into(),
            width: 3840,
            height: 2160,
            source: std::io::Error::from_raw_os_error(libc::EINVAL),
        });
        let no_fit = refusal(KmsError::NoFit {
            frame: "1280x720".into(),
            connector: "VGA-1".into(),
            mode: "640x480".into(),
            modes: "640x480".into(),
        });
        assert_eq!(rung_below(Rung::Direct, &add_fb, false), Some(Rung::Gpu));
        assert_eq!(rung_below(Rung::Direct, &no_fit, false), Some(Rung::Gpu));
        // The gpu rung already draws at the mode's size: a refusal there is final.
        assert_eq!(rung_below(Rung::Gpu, &no_fit, false), None);
        assert_eq!(rung_below(Rung::Copy, &add_fb, false), None);
    }

    #[test]
    fn a_gpu_rung_without_targets_steps_down_to_copy() {
        let denied = std::io::Error::from_raw_os_error(libc::EACCES);
        let no_targets = PathError::Targets(WaylandError::DmaHeap(denied).into());
        assert_eq!(rung_below(Rung::Gpu, &no_targets, false), Some(Rung::Copy));
        assert_eq!(rung_below(Rung::Copy, &no_targets, false), None);
    }

    #[test]
    fn a_rung_the_display_never_shows_steps_down_until_copy() {
        let never = PathError::NeverShown {
            path: "wayland-direct".into(),
            seconds: 8,
        };
        assert_eq!(rung_below(Rung::Direct, &never, true), Some(Rung::Gpu));
        assert_eq!(rung_below(Rung::Gpu, &never, true), Some(Rung::Copy));
        assert_eq!(rung_below(Rung::Copy, &never, true), None);
        let forced = Request {
            target: Target::Wayland { fullscreen: false },
            choice: PathChoice::Only(Rung::Direct),
            g2g: false,
            source: "/dev/video0".into(),
            decoded: false,
            memory: MemoryChoice::Auto,
            view: View::default(),
        };
        assert_eq!(lower_rung(&forced, Rung::Direct, &never), None);
    }

    #[test]
    fn refused_camera_memory_steps_to_import_before_gpu_where_the_camera_may_write_there() {
        let refused = PathError::CameraMemoryRefused;
        assert_eq!(rung_below(Rung::Direct, &refused, true), Some(Rung::Import));
        assert_eq!(rung_below(Rung::Direct, &refused, false), Some(Rung::Gpu));
        // The display refused its own buffers too, or showed none of them: gpu.
        assert_eq!(rung_below(Rung::Import, &refused, true), Some(Rung::Gpu));
        let never = PathError::NeverShown {
            path: "kms-import".into(),
            seconds: 12,
        };
        assert_eq!(rung_below(Rung::Import, &never, true), Some(Rung::Gpu));
        // A camera already streaming keeps its buffers: no import while streaming.
        let auto = Request {
            target: Target::Wayland { fullscreen: false },
            choice: PathChoice::Auto,
            g2g: false,
            source: "/dev/video0".into(),
            decoded: false,
            memory: MemoryChoice::Auto,
            view: View::default(),
        };
        assert_eq!(lower_rung(&auto, Rung::Direct, &refused), Some(Rung::Gpu));
        // Frames glasscam decodes itself are in the display's memory already.
        let decoded = Request {
            decoded: true,
            ..auto
        };
        assert!(!decoded.may_import());
    }

    #[test]
    fn a_display_that_is_gone_is_not_a_reason_to_step_down() {
        let gone = refusal(KmsError::FlipTimeout(5));
        assert_eq!(rung_below(Rung::Direct, &gone, true), None);
    }
}
