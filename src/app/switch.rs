//! C and Z (in the window, or on --keys): the next camera, or the camera's next frame size,
//! without closing the window. Streaming stops (black meanwhile), the new camera or size is
//! negotiated, buffers are made and imported again and the rung set up again on the same
//! display, with one line. A switch the camera or display refuses goes back to what was
//! streaming, with one line.

use std::path::{Path, PathBuf};

use super::pipeline::Pipeline;
use super::reconnect::restream;
use crate::capture::list::video_nodes;
use crate::capture::{Camera, FormatRequest, FrameSizes, Source};
use crate::cli::Cli;
use crate::format::fourcc_name;
use crate::keys::Key;

/// Acts on C (`Key::NextCamera`) or Z (`Key::NextSize`).
pub fn switch(cli: &Cli, pipeline: &mut Pipeline, key: Key) -> anyhow::Result<()> {
    let Source::Camera(stream) = &pipeline.source else {
        say!(
            "glasscam: C and Z switch V4L2 cameras sending raw frames; {} is not one",
            pipeline.device
        );
        return Ok(());
    };
    let camera = stream.camera();
    let fourcc = pipeline.format.pixel.v4l2;
    let size = (pipeline.format.width, pipeline.format.height);
    let was = (camera.path.clone(), size);
    let next = match key {
        Key::NextSize => next_size(camera, fourcc, size).map(|s| (camera.path.clone(), s)),
        _ => next_camera(&camera.path, fourcc).map(|path| (path, size)),
    };
    let Some((device, size)) = next else {
        let what = match key {
            Key::NextSize => format!(
                "no other {} size on {}",
                fourcc_name(fourcc),
                pipeline.device
            ),
            _ => format!("no other camera sending {}", fourcc_name(fourcc)),
        };
        say!(
            "glasscam: {what}; staying on {}",
            pipeline.format.describe()
        );
        return Ok(());
    };
    match switch_to(cli, pipeline, &device, size) {
        Ok(()) => {
            say!(
                "glasscam: switched to {} {}",
                pipeline.device,
                pipeline.format.describe()
            );
            Ok(())
        }
        Err(error) => {
            say!(
                "glasscam: cannot switch to {} at {}x{} ({error:#}); going back",
                device.display(),
                size.0,
                size.1
            );
            switch_to(cli, pipeline, &was.0, was.1)
        }
    }
}

/// Black on the display, the camera let go, then `device` streaming at `size` (in the
/// format streamed until now) on the same display and rung.
fn switch_to(
    cli: &Cli,
    pipeline: &mut Pipeline,
    device: &Path,
    size: (u32, u32),
) -> anyhow::Result<()> {
    let fourcc = pipeline.format.pixel.v4l2;
    pipeline
        .path
        .blank((pipeline.format.width, pipeline.format.height))?;
    pipeline.exported.clear();
    pipeline.source.let_go()?;
    let camera = Camera::open(device)?;
    camera.apply_controls(&cli.controls)?;
    pipeline.device = format!("{} ({})", camera.path.display(), camera.card);
    pipeline.stats.device = camera.path.display().to_string();
    pipeline.request.source = camera.path.clone();
    let request = FormatRequest {
        fourcc: Some(fourcc),
        size: Some(size),
        fps: cli.fps,
    };
    restream(pipeline, camera, request)?;
    pipeline.stats.width = pipeline.format.width;
    pipeline.stats.height = pipeline.format.height;
    Ok(())
}

/// The camera's next discrete size for `fourcc` after `size`, round to the first.
fn next_size(camera: &Camera, fourcc: u32, size: (u32, u32)) -> Option<(u32, u32)> {
    let sizes: Vec<(u32, u32)> = camera
        .frame_sizes(fourcc)
        .into_iter()
        .filter_map(|s| match s {
            FrameSizes::Discrete(w, h) => Some((w, h)),
            FrameSizes::Range { .. } => None,
        })
        .collect();
    let at = sizes.iter().position(|&s| s == size);
    let next = sizes.get(at.map_or(0, |i| (i + 1) % sizes.len())).copied();
    next.filter(|&s| s != size)
}

/// The next capture device after `current`, in node order and round to the first, that
/// sends `fourcc`.
fn next_camera(current: &Path, fourcc: u32) -> Option<PathBuf> {
    let nodes = video_nodes();
    let at = nodes.iter().position(|n| n == current).unwrap_or(0);
    let offers = |node: &PathBuf| {
        Camera::open(node).is_ok_and(|camera| {
            camera
                .formats()
                .is_ok_and(|formats| formats.iter().any(|&(f, _)| f == fourcc))
        })
    };
    nodes
        .iter()
        .cycle()
        .skip(at + 1)
        .take(nodes.len().saturating_sub(1))
        .find(|node| offers(node))
        .cloned()
}
