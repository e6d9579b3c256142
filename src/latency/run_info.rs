//! What a bench run measured, for the header of its table, JSON and plot.

use serde::Serialize;

use super::camera_clock::CameraClock;

/// What was measured, for the report's header.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub device: String,
    pub display: String,
    pub path: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub duration_s: f64,
    /// The V4L2 timestamps' clock and source (end of frame, start of exposure), or why they
    /// were not used.
    pub camera_clock: Option<CameraClock>,
    /// Where presentation times come from and how they reach CLOCK_MONOTONIC.
    pub display_clock: String,
}
