//! glasscam in compositors other than trixie's weston 14, in the rig: sway 1.10 (wlroots
//! 0.18) headless with its pixman renderer, which offers no zwp_linux_dmabuf_v1 at all (grim's
//! screenshots, wlr-screencopy), and weston 16, which offers wp_color_representation_v1
//! (weston-screenshooter's).

mod common;

use common::{run_scenario, Scenario};

/// Run `run` streamed `frames` frames on the copy rung into wl_shm buffers, having stepped
/// down from direct in one line because sway takes no dmabufs, with every copied byte
/// counted. Returns its log.
fn assert_stepped_down_to_copy(scenario: &Scenario, run: &str, frames: u64) -> String {
    let stats = scenario.assert_streamed(run, "wayland-copy", frames);
    assert_eq!(stats["allocator"], "shm", "{run}: {stats}");
    // Conversions of frames sway never showed (it still held every wl_shm buffer, or the run
    // ended) count too: at least one per presented frame, whole frames only.
    let frame_bytes = 640 * 480 * 4;
    let copied = stats["bytes_copied"].as_u64().unwrap();
    assert!(
        copied >= frames * frame_bytes && copied.is_multiple_of(frame_bytes),
        "{run}: {stats}"
    );
    let log = scenario.log(run);
    let steps: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("stepping down"))
        .collect();
    assert_eq!(steps.len(), 1, "{run}: {log}");
    assert!(
        steps[0].starts_with("glasscam: the display takes no dmabufs (")
            && steps[0].ends_with("); stepping down to the copy rung"),
        "{run}: {log}"
    );
    assert!(!log.contains("panicked"), "{run}: {log}");
    let late = scenario.out.join(format!("{run}.during.late"));
    assert!(
        !late.exists(),
        "{run}: glasscam had ended before grim's screenshot was done: {log}"
    );
    log
}

#[test]
fn glasscam_in_sway_and_in_weston_16() {
    let scenario = run_scenario("wayland-compositors", "");
    // The premise: it is sway 1.10, and it offers wl_shm and screencopy but no linux-dmabuf.
    let version = scenario.text("sway.version");
    assert!(version.starts_with("sway version 1.10"), "{version}");
    let globals = scenario.text("sway.globals");
    let offers = |interface: &str| {
        globals
            .lines()
            .any(|l| l.split(' ').next() == Some(interface))
    };
    assert!(
        offers("wl_shm") && offers("zwlr_screencopy_manager_v1"),
        "{globals}"
    );
    assert!(!offers("zwp_linux_dmabuf_v1"), "{globals}");

    // vivid's YUYV, converted on the CPU into wl_shm, fills the 1024x768 output fullscreen
    // (sway's config makes the window fullscreen; the viewport scales 640x480 by 1.6).
    assert_stepped_down_to_copy(&scenario, "yuyv", 60);
    let shot = scenario.screenshot("yuyv.during");
    assert_eq!((shot.width, shot.height), (1024, 768));
    shot.assert_bars((0, 0, 1024, 768), "yuyv in sway");
    let after = scenario.screenshot("yuyv.after");
    assert!(
        !after.bar_errors((0, 0, 1024, 768)).is_empty(),
        "window left behind"
    );

    // The sample MJPEG clip: glasscam decodes its frames itself, into shared memory sway
    // maps as wl_shm buffers: shown directly, no copy, in one line saying so.
    let stats = scenario.assert_streamed("mjpeg", "wayland-direct", 48);
    assert_eq!(stats["allocator"], "shm", "{stats}");
    assert_eq!(stats["bytes_copied"], 0, "{stats}");
    let log = scenario.log("mjpeg");
    assert!(log.contains("(MJPEG, 24 frames)"), "{log}");
    let shm: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("takes no dmabufs"))
        .collect();
    assert_eq!(shm.len(), 1, "{log}");
    assert!(
        shm[0].ends_with("showing the decoded frames in shared memory"),
        "{log}"
    );
    assert!(
        !log.contains("stepping down") && !log.contains("gave no frame buffers"),
        "{log}"
    );
    let shot = scenario.screenshot("mjpeg.during");
    assert_eq!((shot.width, shot.height), (1024, 768));
    let errors = shot.clip_errors((0, 0, 1024, 768));
    assert!(errors.is_empty(), "mjpeg in sway: {errors:?}");

    // sway outlived both runs and ended cleanly on SIGTERM.
    assert_eq!(scenario.text("sway.rc").trim(), "0");

    // sway on vgem shows nothing at all: glasscam leaves each rung that has shown nothing
    // for 12 s while streaming, a line each, and at the bottom exits 4 in one line instead of
    // waiting until killed.
    let log = scenario.text("blind.log");
    assert_eq!(scenario.text("blind.rc").trim(), "4", "{log}");
    let steps: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("stepping down"))
        .collect();
    assert_eq!(steps.len(), 2, "{log}");
    assert!(
        steps[0].contains("wayland-direct: the display has shown none of the frames")
            && steps[0].ends_with("stepping down to the gpu rung"),
        "{log}"
    );
    // sway names vgem's render node as its main device (v4 feedback): the gpu rung tries
    // GBM there first, which Mesa's kms_swrast refuses (one line), then udmabuf and the
    // dma-heap, which a user may not open: on down to copy at once.
    assert!(
        steps[1].contains("gave the gpu rung no buffers") && steps[1].ends_with("to the copy rung"),
        "{log}"
    );
    let tiers: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("gave no render targets"))
        .collect();
    assert_eq!(tiers.len(), 2, "{log}");
    assert!(
        tiers[0].starts_with("glasscam: gbm gave no render targets (GBM on")
            && tiers[0].ends_with("trying udmabuf"),
        "{log}"
    );
    assert!(tiers[1].ends_with("trying dma-heap"), "{log}");
    // The copy rung started afresh (a start-up line of its own), then was refused too.
    assert!(log.contains("path wayland-copy, 1 copy per frame"), "{log}");
    let last = log.lines().last().unwrap();
    assert!(
        last.starts_with("glasscam: error: wayland-copy: the display has shown none"),
        "{log}"
    );
    let stats = scenario.stats("blind");
    assert_eq!(stats["path"], "wayland-copy", "{stats}");
    assert_eq!(stats["frames_presented"], 0, "{stats}");
    assert!(!log.contains("panicked"), "{log}");

    the_pointer_is_hidden_while_still_over_the_fullscreen_window(&scenario);
    a_window_of_our_size_on_a_hidpi_output_shows_camera_pixels_one_to_one(&scenario);
    weston_16_converts_with_the_matrix_and_range_it_is_told(&scenario);
}

/// vivid's bars encoded BT.709 full range, shown direct: weston 16, told through
/// wp_color_representation_v1, shows the 75% bars; weston 14, not told, converts with its own
/// matrix, and green comes out far brighter. After Z (the next size, 1280x720), weston 16
/// still has the client, and the bars are right again.
fn weston_16_converts_with_the_matrix_and_range_it_is_told(scenario: &Scenario) {
    let version = scenario.text("weston16.version");
    assert!(version.starts_with("weston 16."), "{version}");
    let globals = scenario.text("weston16.globals");
    assert!(
        globals.contains("wp_color_representation_manager_v1 1"),
        "{globals}"
    );
    let told = scenario.assert_exit_ok("told");
    assert!(
        told.contains(
            "path wayland-direct, 0 copies per frame, allocator camera; the display converts \
             YCbCr with the camera's BT.709 full range (wp_color_representation_v1)"
        ),
        "{told}"
    );
    let switched: Vec<&str> = told.lines().filter(|l| l.contains("switched to")).collect();
    assert_eq!(switched.len(), 1, "{told}");
    assert!(switched[0].contains("1280x720"), "{told}");
    assert!(!told.contains("panicked"), "{told}");
    assert_eq!(scenario.text("weston16.rc").trim(), "0");
    // The 640x480 output: all of it; after Z, 640x360 in the middle.
    scenario
        .screenshot("told")
        .assert_bars((0, 0, 640, 480), "weston 16, told");
    scenario
        .screenshot("told.z")
        .assert_bars((0, 60, 640, 360), "weston 16, told, after Z");

    let untold = scenario.log("untold");
    assert!(
        untold.contains("the display converts YCbCr with its own matrix and range"),
        "{untold}"
    );
    let shot = scenario.screenshot("untold.during");
    let green = (7 * 640 / 16, 360);
    let (_, g, _) = shot.rgb(green.0, green.1);
    assert!(
        g > 191 + 24,
        "weston 14's green bar: {:?}",
        shot.rgb(green.0, green.1)
    );
}

/// grim's screenshots with the cursor drawn: a cursor near 300,400 when the pointer has just
/// arrived, none after 3 s still, one near 310,410 after it moved again.
fn the_pointer_is_hidden_while_still_over_the_fullscreen_window(scenario: &Scenario) {
    let log = scenario.log("pointer");
    assert_eq!(scenario.text("pointer.rc").trim(), "0", "{log}");
    let moves = scenario.text("virtual-pointer.log");
    assert!(moves.contains("moved 10 10"), "{moves}");
    let still = scenario.screenshot("pointer.still");
    still.assert_bars((0, 0, 1024, 768), "pointer.still");
    // Pixels that differ from the still picture around the pointer: the cursor's, as the
    // frames are vivid's unchanging bars there (its clock is at the top).
    let cursor_pixels = |name: &str| {
        let shot = scenario.screenshot(name);
        let mut n = 0;
        for y in 350..480 {
            for x in 250..400 {
                let (a, b) = (shot.rgb(x, y), still.rgb(x, y));
                let apart = |p: u8, q: u8| p.abs_diff(q) > 40;
                n += usize::from(apart(a.0, b.0) || apart(a.1, b.1) || apart(a.2, b.2));
            }
        }
        n
    };
    // The default cursor is some 150 pixels at scale 1.
    for name in ["pointer.moved", "pointer.moved-again"] {
        let n = cursor_pixels(name);
        assert!((50..2000).contains(&n), "{name}: {n} pixels differ: {log}");
    }
}

/// sway at scale 2 (wp_fractional_scale_v1) with glasscam's window floating: glasscam picks
/// its size, 320x240 logical, which is the camera's 640x480 pixels on the output. Left
/// unscaled, the picture would be 1280x960 pixels, larger than the 1024x768 output.
fn a_window_of_our_size_on_a_hidpi_output_shows_camera_pixels_one_to_one(scenario: &Scenario) {
    assert_stepped_down_to_copy(scenario, "hidpi", 60);
    let shot = scenario.screenshot("hidpi.during");
    assert_eq!((shot.width, shot.height), (1024, 768));
    // Floating windows are centred: 320x240 in 512x384 logical is at 96,72: 192,144 in
    // pixels.
    shot.assert_bars((192, 144, 640, 480), "hidpi");
    for (x, y) in [(150, 384), (874, 384)] {
        assert!(
            !shot.is_bar_colour((x, y), [true, true, true]),
            "hidpi: picture beyond 640 pixels wide at {x},{y}"
        );
    }
}
