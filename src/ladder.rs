//! The fallback ladder: which rung carries frames to the display. Direct when the display
//! takes a camera format as it is; else gpu (EGL import + GLES conversion);
//! else copy (CPU conversion, every byte counted). Each step down is said in one line.

use anyhow::bail;

use std::path::Path;

use crate::cli::{Backend, Cli, Command, PathChoice};
use crate::format::{parse_fourcc, PixelFormat};
use crate::render::{self, GpuConverter, RenderError};
use crate::sink::kms::{KmsError, KmsSink};
use crate::sink::wayland::{WaylandError, WaylandSink};
use crate::sink::{Rung, Sink};

/// The format the copy rung writes: XRGB8888, which every display takes.
fn copy_target() -> PixelFormat {
    PixelFormat::from_v4l2(parse_fourcc("BGR4").expect("a valid fourcc"))
        .expect("BGR4 is in the format table")
}

/// The display refused the camera's formats, as opposed to failing outright.
fn refused_format(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        matches!(e.downcast_ref::<KmsError>(), Some(KmsError::NoPlane { .. }))
            || matches!(
                e.downcast_ref::<WaylandError>(),
                Some(WaylandError::NoFormat { .. })
            )
    })
}

fn open(
    cli: &Cli,
    backend: Backend,
    display_formats: &[PixelFormat],
    rung: Rung,
) -> anyhow::Result<(Sink, PixelFormat)> {
    Ok(match backend {
        Backend::Wayland => {
            let (sink, pixel) = WaylandSink::open(display_formats, cli.fullscreen, rung)?;
            (Sink::Wayland(sink), pixel)
        }
        _ => {
            let (mut sink, pixel) = KmsSink::open(
                cli.card.as_deref(),
                cli.connector.as_deref(),
                display_formats,
            )?;
            match rung {
                Rung::Direct => {}
                Rung::Gpu(converter) => sink.use_gpu(*converter),
                Rung::Copy => sink.use_copy(),
            }
            (Sink::Kms(sink), pixel)
        }
    })
}

/// A GPU converter for this camera format, or why there is none.
fn gpu_for(camera_format: &PixelFormat) -> anyhow::Result<Box<GpuConverter>> {
    if !render::planes::supports(camera_format) {
        bail!("the GPU shaders cannot read {}", camera_format.name());
    }
    Ok(Box::new(GpuConverter::new()?))
}

/// The gpu rung for this camera format, or, when the GPU path cannot be set up, the copy
/// rung with one line saying why.
fn gpu_or_copy(source: &Path, camera_format: &PixelFormat) -> Rung {
    match gpu_for(camera_format) {
        Ok(converter) => Rung::Gpu(converter),
        Err(error) => {
            say!(
                "glasscam: {} cannot use the GPU ({error:#}); stepping down to the copy rung",
                source.display()
            );
            Rung::Copy
        }
    }
}

/// Opens the display on the rung `--path` asks for. With `--path auto`, a display that
/// refuses the camera's formats sends glasscam down to gpu, and a GPU path that
/// cannot be set up down to copy, each step with one line saying why. Returns the sink
/// and the camera format to capture in.
pub fn open_display(
    cli: &Cli,
    backend: Backend,
    source: &Path,
    candidates: &[PixelFormat],
) -> anyhow::Result<(Sink, PixelFormat)> {
    let camera_format = candidates[0];
    let converted = |rung: Rung| -> anyhow::Result<(Sink, PixelFormat)> {
        let (sink, _) = open(cli, backend, &[copy_target()], rung)?;
        Ok((sink, camera_format))
    };
    match cli.path {
        PathChoice::Direct => open(cli, backend, candidates, Rung::Direct),
        PathChoice::Copy => converted(Rung::Copy),
        PathChoice::Gpu => converted(Rung::Gpu(gpu_for(&camera_format)?)),
        // Without an overlay plane for it, the console's g2g marker is drawn into the frames.
        PathChoice::Auto if backend != Backend::Wayland && wants_g2g(cli) => {
            say!(
                "glasscam: bench --g2g on the console draws its marker into the frames; \
                 using the gpu rung"
            );
            converted(gpu_or_copy(source, &camera_format))
        }
        PathChoice::Auto => match open(cli, backend, candidates, Rung::Direct) {
            Err(error) if refused_format(&error) => {
                say!(
                    "glasscam: {} cannot be shown directly ({error:#}); stepping down to the gpu rung",
                    source.display()
                );
                converted(gpu_or_copy(source, &camera_format))
            }
            other => other,
        },
    }
}

fn wants_g2g(cli: &Cli) -> bool {
    matches!(&cli.command, Some(Command::Bench(bench)) if bench.g2g)
}

/// The display refused a buffer of a format it had advertised (AddFB2, every atomic test
/// commit, or the compositor's `params.failed`), as opposed to failing outright.
fn refused_buffer(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        matches!(
            e.downcast_ref::<KmsError>(),
            Some(KmsError::AddFramebuffer { .. } | KmsError::NoFit { .. })
        ) || matches!(
            e.downcast_ref::<WaylandError>(),
            Some(WaylandError::BufferRefused { .. })
        )
    })
}

/// The GPU could not import, set up or draw the camera's buffers.
fn gpu_failed(error: &anyhow::Error) -> bool {
    error.chain().any(|e| e.is::<RenderError>())
}

/// The rung below, after the display on `rung` failed to take the camera's buffers, when
/// that failure is one a lower rung avoids.
pub fn rung_below(rung: &str, error: &anyhow::Error) -> Option<Step> {
    match rung {
        "direct" if refused_buffer(error) => Some(Step::Gpu),
        "gpu" if gpu_failed(error) => Some(Step::Copy),
        _ => None,
    }
}

/// A rung to step down to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Gpu,
    Copy,
}

/// Opens the display again, one rung lower, saying why in one line. A GPU path that cannot
/// be set up goes on down to copy, with a line of its own.
pub fn step_down(
    cli: &Cli,
    backend: Backend,
    source: &Path,
    camera_format: &PixelFormat,
    step: Step,
    why: &anyhow::Error,
) -> anyhow::Result<Sink> {
    let rung = match step {
        Step::Gpu => {
            say!(
                "glasscam: the display refused {}'s buffers ({why:#}); stepping down to the gpu rung",
                source.display()
            );
            gpu_or_copy(source, camera_format)
        }
        Step::Copy => {
            say!(
                "glasscam: the GPU cannot take {}'s buffers ({why:#}); stepping down to the copy rung",
                source.display()
            );
            Rung::Copy
        }
    };
    Ok(open(cli, backend, &[copy_target()], rung)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(error: KmsError) -> anyhow::Error {
        anyhow::Error::new(error).context("importing the camera buffers")
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
        assert_eq!(rung_below("direct", &add_fb), Some(Step::Gpu));
        assert_eq!(rung_below("direct", &no_fit), Some(Step::Gpu));
        // The gpu rung already draws at the mode's size: a refusal there is final.
        assert_eq!(rung_below("gpu", &no_fit), None);
        assert_eq!(rung_below("copy", &add_fb), None);
    }

    #[test]
    fn a_display_that_is_gone_is_not_a_reason_to_step_down() {
        let gone = refusal(KmsError::FlipTimeout(5));
        assert_eq!(rung_below("direct", &gone), None);
    }
}
