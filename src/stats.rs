//! What a run did, written as JSON by `--stats`, and the program-wide copy counter.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Every CPU copy of frame data anywhere in glasscam adds its size here.
static BYTES_COPIED: AtomicU64 = AtomicU64::new(0);

/// Records a CPU copy of `bytes` of frame data.
pub fn count_copy(bytes: u64) {
    BYTES_COPIED.fetch_add(bytes, Ordering::Relaxed);
}

pub fn bytes_copied() -> u64 {
    BYTES_COPIED.load(Ordering::Relaxed)
}

/// Bytes written by decoding compressed frames (MJPEG), kept apart from copies.
static BYTES_DECODED: AtomicU64 = AtomicU64::new(0);

pub fn count_decoded(bytes: u64) {
    BYTES_DECODED.fetch_add(bytes, Ordering::Relaxed);
}

pub fn bytes_decoded() -> u64 {
    BYTES_DECODED.load(Ordering::Relaxed)
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Presentation {
    pub presented: u64,
    pub discarded: u64,
    /// Presented frames the compositor flagged ZERO_COPY.
    pub zero_copy: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub path: String,
    /// Who made the buffers the display showed: camera, dumb, udmabuf, shm, dma-heap, gbm.
    pub allocator: String,
    pub device: String,
    /// The DRM card or the Wayland display.
    pub display: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub buffers: usize,
    pub frames_captured: u64,
    pub frames_presented: u64,
    /// Captured frames never shown: stale, error-flagged, and those pending at exit.
    pub frames_dropped: u64,
    /// Frames replaced by a newer one before the display could take them.
    pub frames_stale: u64,
    /// Frames the driver flagged V4L2_BUF_FLAG_ERROR.
    pub frames_error: u64,
    /// Frames the driver itself lost, from gaps in the V4L2 sequence numbers.
    pub sequence_gaps: u64,
    /// Buffers requeued after the display released them.
    pub buffers_released: u64,
    /// Every requeue after start: released + stale + error-flagged, nothing else.
    pub requeues: u64,
    /// Wayland: what wp_presentation reported for the committed frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presentation: Option<Presentation>,
    pub bytes_copied: u64,
    /// --persistent: times the camera went and came back.
    pub camera_reconnects: u64,
    /// Times a display was connected again after the one in use was unplugged.
    pub display_reconnects: u64,
    /// Times the seat went to another session (a VT switch away).
    pub seat_pauses: u64,
    /// Bytes decoded from MJPEG into display buffers.
    pub bytes_decoded: u64,
    /// Bytes read out of camera buffers for snapshots (S): not on the display path.
    pub bytes_read_for_snapshots: u64,
    pub duration_s: f64,
    pub presented_fps: f64,
}

impl Stats {
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(path, json + "\n")
            .map_err(|e| anyhow::anyhow!("cannot write stats to {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_add_up() {
        let before = bytes_copied();
        count_copy(640 * 480 * 4);
        count_copy(16);
        assert_eq!(bytes_copied() - before, 640 * 480 * 4 + 16);
    }

    #[test]
    fn stats_serialise_with_the_documented_keys() {
        let stats = Stats {
            path: "kms-direct".into(),
            frames_presented: 3,
            ..Stats::default()
        };
        let value: serde_json::Value = serde_json::to_value(&stats).unwrap();
        for key in [
            "frames_captured",
            "frames_presented",
            "frames_dropped",
            "bytes_copied",
            "path",
            "allocator",
            "format",
            "width",
            "height",
        ] {
            assert!(value.get(key).is_some(), "missing {key}");
        }
        assert_eq!(value["path"], "kms-direct");
        assert_eq!(value["frames_presented"], 3);
    }
}
