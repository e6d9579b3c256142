//! `--input FILE`: the sample MJPEG clip through the same rungs as a camera, on real
//! drivers. The pictures are checked against the clip's own decoded frame.

mod common;

use common::{run_scenario, Image};

/// Compares the picture (scaled to fill `area` of the screen) with the clip's decoded frame
/// at the centres of the seven bars, on two rows of the upper half.
fn assert_matches_decoded(shot: &Image, area: (usize, usize, usize, usize), what: &str) {
    let errors = shot.clip_errors(area);
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

/// Each run's length: the clip's 24 frames twice, so it loops.
const FRAMES: u64 = 48;

#[test]
fn an_mjpeg_file_plays_zero_copy_on_kms_and_wayland() {
    let scenario = run_scenario("input-mjpeg", "video=VGA-1:640x480");
    // The display's own memory: dumb buffers on the card; for weston wl_shm, as the
    // unprivileged user may open neither /dev/udmabuf nor a dma-heap, and udmabuf for root.
    let runs = [
        ("kms", "kms-direct", "dumb"),
        ("wl", "wayland-direct", "shm"),
        ("wl-root", "wayland-direct", "udmabuf"),
    ];
    for (run, path, allocator) in runs {
        let stats = scenario.assert_streamed_without_copies(run, path, FRAMES);
        assert_eq!(stats["allocator"], allocator, "{run}: {stats}");
        // Every presented frame was decoded once (a few more may be decoded, never shown).
        let decoded = stats["bytes_decoded"].as_u64().unwrap();
        assert!(
            decoded >= FRAMES * 640 * 480 * 4 && decoded.is_multiple_of(640 * 480 * 4),
            "{stats}"
        );
        let log = scenario.log(run);
        assert!(log.contains("(MJPEG, 24 frames)"), "{log}");
    }
    assert_matches_decoded(&scenario.screendump("kms.during"), (0, 0, 640, 480), "KMS");
    for run in ["wl", "wl-root"] {
        let shot = scenario.screenshot(&format!("{run}.during"));
        assert_matches_decoded(&shot, (0, 0, 640, 480), run);
    }
}
