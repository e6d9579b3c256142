//! glasscam as a Wayland client of a real compositor (weston 14, GL renderer on llvmpipe)
//! with a real camera driver (vivid), in the rig. Each test looks at weston's screenshot.

mod common;

use common::{run_scenario, Scenario};

/// A clean run: every frame presented per wp_presentation, nothing copied, and every buffer
/// that went back to the camera either was released by weston or was never shown.
fn assert_direct_run(scenario: &Scenario, run: &str, frames: u64) {
    let stats = scenario.assert_streamed_without_copies(run, "wayland-direct", frames);
    assert_eq!(stats["presentation"]["presented"], frames, "{stats}");
    let count = |key: &str| stats[key].as_u64().unwrap();
    assert!(count("buffers_released") + 3 >= frames, "{stats}");
    assert_eq!(
        count("requeues"),
        count("buffers_released") + count("frames_stale") + count("frames_error"),
        "a buffer went back to the camera without being released: {stats}"
    );
}

/// weston composes a few frames a second under TCG: each direct run is this long.
const DIRECT_FRAMES: u64 = 45;

#[test]
fn the_camera_buffers_are_shown_by_weston_as_they_are() {
    let scenario = run_scenario("wayland-direct", "");
    yuyv_single_planar_fills_a_kiosk_output(&scenario);
    nv12_from_two_v4l2_planes_is_one_wl_buffer(&scenario);
    a_smaller_picture_is_scaled_by_the_compositor_keeping_its_aspect(&scenario);
}

fn yuyv_single_planar_fills_a_kiosk_output(scenario: &Scenario) {
    assert_direct_run(scenario, "yuyv", DIRECT_FRAMES);
    let shot = scenario.screenshot("yuyv.during");
    assert_eq!((shot.width, shot.height), (640, 480));
    shot.assert_bars((0, 0, 640, 480), "YUYV");
    let after = scenario.screenshot("yuyv.after");
    assert!(
        !after.bar_errors((0, 0, 640, 480)).is_empty(),
        "window left behind"
    );
}

fn nv12_from_two_v4l2_planes_is_one_wl_buffer(scenario: &Scenario) {
    assert_direct_run(scenario, "nm12", DIRECT_FRAMES);
    assert_eq!(scenario.stats("nm12")["format"], "NM12");
    scenario
        .screenshot("nm12.during")
        .assert_bars((0, 0, 640, 480), "NV12");
}

fn a_smaller_picture_is_scaled_by_the_compositor_keeping_its_aspect(scenario: &Scenario) {
    assert_direct_run(scenario, "scaled", DIRECT_FRAMES);
    let shot = scenario.screenshot("scaled.during");
    assert_eq!((shot.width, shot.height), (1280, 720));
    // 640x480 fitted into 1280x720 is 960x720, centred: black bars 160 wide either side.
    shot.assert_bars((160, 0, 960, 720), "scaled");
    assert_eq!(shot.rgb(80, 360), (0, 0, 0), "left pillarbox");
    assert_eq!(shot.rgb(1200, 360), (0, 0, 0), "right pillarbox");
}

#[test]
fn compositor_faults_end_in_one_clear_line_and_free_the_camera() {
    let scenario = run_scenario("wayland-faults", "video=VGA-1:640x480");
    scenario.assert_error("no-compositor", 4, 1, &["cannot connect", "wayland-9"]);
    scenario.assert_error("cannot-import", 4, 1, &["cannot import NV24", "YUYV"]);
    scenario.assert_exit_ok("auto");
    assert_eq!(scenario.stats("auto")["path"], "wayland-direct");
    // Start-up, first frame, summary, error: nothing from the libraries in between.
    scenario.assert_error("killed", 4, 4, &["lost the Wayland compositor"]);
    assert!(scenario.stats("killed")["frames_presented"].as_u64() > Some(0));
    let after = &scenario;
    after.assert_exit_ok("after-kill");
    assert_eq!(after.stats("after-kill")["frames_presented"], 120);
    let shot = after.screendump("after-kill.during");
    shot.assert_bars_everywhere("after the compositor died");
}

/// weston's own V4L2 client on the same rig, for comparison. It exports read-only dmabufs,
/// which llvmpipe handles badly (weston crashed in 11 of 23 runs), so its
/// outcome is reported, not judged: the test fails only when the client could not be run.
#[test]
fn weston_simple_dmabuf_v4l_runs_as_a_reference() {
    let scenario = run_scenario("wayland-reference", "");
    let attempts = scenario.text("attempts.txt");
    assert!(attempts.contains("attempt 1:"), "{attempts}");
    let outcome = if scenario.out.join("reference.png").exists() {
        let shot = scenario.screenshot("reference");
        assert_eq!((shot.width, shot.height), (1024, 768));
        let errors = shot.bar_errors((0, 0, 1024, 768));
        if errors.is_empty() {
            "colour bars shown".to_string()
        } else {
            format!("wrong picture: {errors:?}")
        }
    } else {
        "no screenshot: weston crashed (SIGSEGV) around the client in every attempt".to_string()
    };
    eprintln!("weston-simple-dmabuf-v4l: {outcome}\n{}", attempts.trim());
}
