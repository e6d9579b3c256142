//! `glasscam --list`: every capture device with its formats, sizes, frame intervals and
//! controls.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{controls, Camera, FrameIntervals, FrameSizes};
use crate::format::{fourcc_name, PixelFormat};

/// Every /dev/videoN, in number order.
pub fn video_nodes() -> Vec<PathBuf> {
    let mut nodes: Vec<(u32, PathBuf)> = std::fs::read_dir("/dev")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let number = name.strip_prefix("video")?.parse().ok()?;
            Some((number, e.path()))
        })
        .collect();
    nodes.sort();
    nodes.into_iter().map(|(_, p)| p).collect()
}

fn interval_text(intervals: &[FrameIntervals]) -> String {
    let fps = |(num, den): (u32, u32)| {
        if num == 0 {
            "?".to_string()
        } else {
            format!("{:.3}", f64::from(den) / f64::from(num))
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        }
    };
    intervals
        .iter()
        .map(|i| match *i {
            FrameIntervals::Discrete(n, d) => fps((n, d)),
            FrameIntervals::Range { min, max } => format!("{}-{}", fps(max), fps(min)),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Describes one camera; `None` for nodes that are not capture devices.
fn describe(camera: &Camera) -> String {
    let mut out = String::new();
    let api = if camera.is_multiplanar() {
        "multi-planar"
    } else {
        "single-planar"
    };
    let _ = writeln!(
        out,
        "{}: {} ({}, {api})",
        camera.path.display(),
        camera.card,
        camera.driver
    );
    let formats = match camera.formats() {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(out, "  cannot list formats: {e}");
            return out;
        }
    };
    out += &list_formats(camera, formats);
    let controls = camera.controls();
    if !controls.is_empty() {
        out += "  controls:\n";
    }
    for control in &controls {
        out += &controls::describe(control, camera.control_value(control));
    }
    out
}

/// Each format with its sizes and frame rates.
fn list_formats(camera: &Camera, formats: Vec<(u32, String)>) -> String {
    let mut out = String::new();
    for (fourcc, description) in formats {
        let direct = if PixelFormat::from_v4l2(fourcc).is_some() {
            ""
        } else if super::mjpeg_camera::FOURCCS.contains(&fourcc) {
            " [decoded to XR24]"
        } else {
            " [no DRM equivalent]"
        };
        let _ = writeln!(out, "  {} ({description}){direct}", fourcc_name(fourcc));
        for size in camera.frame_sizes(fourcc) {
            match size {
                FrameSizes::Discrete(w, h) => {
                    let fps = interval_text(&camera.frame_intervals(fourcc, w, h));
                    let _ = writeln!(out, "    {w}x{h} fps: {fps}");
                }
                FrameSizes::Range { min, max, step } => {
                    let _ = writeln!(
                        out,
                        "    {}x{} to {}x{} in steps of {}x{}",
                        min.0, min.1, max.0, max.1, step.0, step.1
                    );
                }
            }
        }
    }
    out
}

/// The listing for every node; nodes that can't capture are named with the reason.
pub fn list_devices() -> String {
    let nodes = video_nodes();
    if nodes.is_empty() {
        return "no V4L2 devices (/dev/video*) found\n".into();
    }
    let mut out = String::new();
    for node in nodes {
        match Camera::open(&node) {
            Ok(camera) => out.push_str(&describe(&camera)),
            Err(e) => {
                let _ = writeln!(out, "{}: skipped: {e}", node.display());
            }
        }
    }
    out
}
