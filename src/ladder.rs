//! The fallback ladder: which rung carries frames to the display. Direct when the display
//! takes a camera format as it is; else the copy rung (CPU conversion, every byte counted).

use anyhow::bail;

use crate::capture::Camera;
use crate::cli::{Backend, Cli, PathChoice};
use crate::format::{parse_fourcc, PixelFormat};
use crate::sink::kms::{KmsError, KmsSink};
use crate::sink::wayland::{WaylandError, WaylandSink};
use crate::sink::Sink;

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
    copy: bool,
) -> anyhow::Result<(Sink, PixelFormat)> {
    Ok(match backend {
        Backend::Wayland => {
            let (sink, pixel) = WaylandSink::open(display_formats, cli.fullscreen, copy)?;
            (Sink::Wayland(sink), pixel)
        }
        _ => {
            let (mut sink, pixel) = KmsSink::open(
                cli.card.as_deref(),
                cli.connector.as_deref(),
                display_formats,
            )?;
            if copy {
                sink.use_copy();
            }
            (Sink::Kms(sink), pixel)
        }
    })
}

/// Opens the display on the rung `--path` asks for, stepping down from direct to copy once
/// (with one line saying why) when `--path auto` meets a display that refuses the formats.
/// Returns the sink and the camera format to capture in, best candidates first.
pub fn open_display(
    cli: &Cli,
    backend: Backend,
    camera: &Camera,
    candidates: &[PixelFormat],
) -> anyhow::Result<(Sink, PixelFormat)> {
    let copy = |camera_format: PixelFormat| -> anyhow::Result<(Sink, PixelFormat)> {
        let (sink, _) = open(cli, backend, &[copy_target()], true)?;
        Ok((sink, camera_format))
    };
    match cli.path {
        PathChoice::Direct => open(cli, backend, candidates, false),
        PathChoice::Copy => copy(candidates[0]),
        PathChoice::Gpu => bail!("the gpu rung is not available yet: use --path copy or direct"),
        PathChoice::Auto => match open(cli, backend, candidates, false) {
            Err(error) if refused_format(&error) => {
                eprintln!(
                    "glasscam: {} cannot be shown directly ({error:#}); stepping down to the copy rung",
                    camera.path.display()
                );
                copy(candidates[0])
            }
            other => other,
        },
    }
}
