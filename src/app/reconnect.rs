//! `--persistent`: a camera that is disconnected leaves black on the display while glasscam
//! waits for the same camera (by its identity, not its node number), then streams again
//! with its format negotiated anew.

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use super::open::CameraEnd;
use super::pipeline::{Ending, Pipeline};
use crate::buffers::BufferPool;
use crate::capture::{Camera, CaptureError, FormatRequest, MjpegCamera, Source, Stream};
use crate::cli::Cli;
use crate::event_loop::EventLoop;
use crate::path::import::CameraMemory;
use crate::path::{ladder, PathError, Rung};

/// How often /dev is looked through for the camera.
const LOOK_EVERY: Duration = Duration::from_millis(500);

/// Whether the run stopped because the camera went, and `--persistent` waits for it.
pub fn camera_gone(cli: &Cli, pipeline: &Pipeline) -> bool {
    let disconnected = match &pipeline.ending {
        Some(Err(error)) => error.chain().any(|e| {
            matches!(
                e.downcast_ref::<CaptureError>(),
                Some(CaptureError::Disconnected { .. })
            )
        }),
        _ => false,
    };
    cli.persistent && disconnected && pipeline.source.identity().is_some()
}

/// Shows black, lets go of the camera, and waits until it is back (streaming again) or a
/// signal or the window ends the run (`pipeline.ending` says which).
pub fn wait_for_camera(
    cli: &Cli,
    event_loop: &EventLoop,
    pipeline: &mut Pipeline,
) -> anyhow::Result<()> {
    pipeline.ending = None;
    say!(
        "glasscam: {} was disconnected; showing black until it is back (--persistent)",
        pipeline.device
    );
    pipeline
        .path
        .blank((pipeline.format.width, pipeline.format.height))?;
    pipeline.exported.clear();
    pipeline.source.let_go()?;
    let Some(identity) = pipeline.source.identity() else {
        return Ok(());
    };
    while pipeline.ending.is_none() {
        let wake = event_loop.wait(
            pipeline.source.as_fd(),
            Some(pipeline.path.as_fd()),
            [pipeline.path.hotplug_fd(), pipeline.path.seat_fd(), None],
            Instant::now() + LOOK_EVERY,
        )?;
        if let Some(signal) = wake.signal {
            pipeline.ending = Some(Ok(Ending::Signal(signal)));
        } else if wake.display || wake.hotplug || wake.seat {
            pipeline.on_display_wake(&wake);
        } else if let Some(camera) = Camera::find(&identity) {
            return resume(cli, pipeline, camera);
        }
    }
    Ok(())
}

/// Streams from `camera` again: the old format asked for (the compressed one for an MJPEG
/// camera), buffers made and exported anew, the rung set up again on the same display.
fn resume(cli: &Cli, pipeline: &mut Pipeline, camera: Camera) -> anyhow::Result<()> {
    // A camera back from a replug has its driver's defaults again.
    camera.apply_controls(&cli.controls)?;
    let old = &pipeline.format;
    let request = FormatRequest {
        fourcc: Some(old.pixel.v4l2),
        size: Some((old.width, old.height)),
        fps: cli.fps,
    };
    restream(pipeline, camera, request)?;
    pipeline.stats.camera_reconnects += 1;
    say!(
        "glasscam: {} is back ({}); streaming again",
        pipeline.device,
        pipeline.format.describe()
    );
    Ok(())
}

/// Streams from `camera`, with the source let go before: `request`'s format (the
/// compressed one the old source sent, for an MJPEG camera), buffers made and exported
/// anew, the rung set up again on the same display.
pub(super) fn restream(
    pipeline: &mut Pipeline,
    camera: Camera,
    request: FormatRequest,
) -> anyhow::Result<()> {
    let count = super::open::buffer_count(pipeline.path.display());
    let (source, exported, format) = match pipeline.source.compressed_fourcc() {
        Some(fourcc) => {
            let request = FormatRequest {
                fourcc: Some(fourcc),
                ..request
            };
            let display = pipeline.path.display_mut();
            let (mjpeg, exported, format) = MjpegCamera::open(camera, request, count, display)?;
            (Source::Mjpeg(mjpeg), exported, format)
        }
        None => {
            let mut format = camera.configure(request)?;
            let (mut stream, mut exported) =
                Stream::allocate(camera, format.mem_planes.clone(), count as u32)?;
            // Import mode: the camera writes into the display's buffers again.
            if pipeline.path.rung() == Rung::Import {
                let mut end = CameraEnd {
                    stream: &mut stream,
                    exported: &mut exported,
                    format: &mut format,
                    count,
                };
                end.take_display_memory(pipeline.path.display_mut())?;
            }
            (Source::Camera(stream), exported, format)
        }
    };
    // A rung that refuses the new buffers (a size its plane cannot show) is stepped down
    // from once the camera streams: the ladder runs again, as at start.
    pipeline.refused = match ladder::resume(&mut pipeline.path, &exported, &format) {
        Ok(()) => None,
        Err(error) => Some(lower_rung_for(pipeline, error)?),
    };
    pipeline.source = source;
    pipeline.exported = exported;
    pipeline.format = format;
    let count = pipeline.source.buffer_count();
    pipeline.pool = BufferPool::new(count);
    pipeline.last_sequence = None;
    for index in 0..count {
        pipeline.source.queue(index)?;
    }
    pipeline.source.start()?;
    pipeline.last_frame = Instant::now();
    Ok(())
}

/// The rung below the path's for a refusal of new buffers, where `--path auto` has one;
/// else the error.
fn lower_rung_for(pipeline: &Pipeline, error: anyhow::Error) -> anyhow::Result<(Rung, PathError)> {
    let why = error.downcast::<PathError>()?;
    match ladder::lower_rung(&pipeline.request, pipeline.path.rung(), &why) {
        Some(lower) => Ok((lower, why)),
        None => Err(why.into()),
    }
}
