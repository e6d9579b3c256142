//! `--input FILE`: the sample MJPEG clip through the same rungs as a camera, on real
//! drivers. The pictures are checked against the clip's own decoded frame.

mod common;

use common::{run_scenario, Image};

/// The clip's frames (all the same 75% bars), decoded here as (R, G, B) rows.
fn decoded_frame() -> (usize, usize, Vec<u8>) {
    use zune_jpeg::zune_core::{colorspace::ColorSpace, options::DecoderOptions};
    let clip = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/bars-640x480.mjpeg"
    ))
    .unwrap();
    let end = clip
        .windows(3)
        .skip(1)
        .position(|w| w == [0xff, 0xd8, 0xff])
        .unwrap()
        + 1;
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(&clip[..end], options);
    let pixels = decoder.decode().unwrap();
    let info = decoder.info().unwrap();
    (info.width as usize, info.height as usize, pixels)
}

/// Compares the picture (scaled to fill `area` of the screen) with the decoded frame at the
/// centres of the seven bars, on two rows of the upper half.
fn assert_matches_decoded(shot: &Image, area: (usize, usize, usize, usize), what: &str) {
    let (w, h, frame) = decoded_frame();
    let (ax, ay, aw, ah) = area;
    for row in [h / 4, h / 3] {
        for bar in 0..7 {
            let x = (2 * bar + 1) * w / 14;
            let i = (row * w + x) * 3;
            let want = (frame[i], frame[i + 1], frame[i + 2]);
            let got = shot.rgb(ax + x * aw / w, ay + row * ah / h);
            let close = want.0.abs_diff(got.0) <= 8
                && want.1.abs_diff(got.1) <= 8
                && want.2.abs_diff(got.2) <= 8;
            assert!(
                close,
                "{what}: bar {bar} row {row}: screen {got:?}, decoded {want:?}"
            );
        }
    }
}

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
        let stats = scenario.assert_streamed_without_copies(run, path, 72);
        assert_eq!(stats["allocator"], allocator, "{run}: {stats}");
        // Every presented frame was decoded once (a few more may be decoded, never shown).
        let decoded = stats["bytes_decoded"].as_u64().unwrap();
        assert!(
            decoded >= 72 * 640 * 480 * 4 && decoded.is_multiple_of(640 * 480 * 4),
            "{stats}"
        );
        let log = scenario.log(run);
        assert!(log.contains("(MJPEG, 24 frames)"), "{log}");
    }
    assert_matches_decoded(&scenario.screendump("kms.during"), (0, 0, 640, 480), "KMS");
    for run in ["wl", "wl-root"] {
        let shot = scenario.screenshot(&format!("{run}.during"));
        assert_matches_decoded(&shot, (0, 0, 1024, 768), run);
    }
}
