//! glasscam on a real KMS driver (cirrus) with a real camera driver (vivid), in the rig.
//! Each test boots the QEMU guest and looks at the pixels QEMU scanned out.

mod common;

use common::{run_scenario, Scenario};

/// A clean run of `frames` frames: exit 0, every frame presented, nothing copied, and the
/// framebuffers on the display are PRIME imports of the camera's buffers.
fn assert_zero_copy_run(scenario: &Scenario, run: &str, frames: u64) {
    let stats = scenario.assert_streamed_without_copies(run, "kms-direct", frames);
    let count = |key: &str| stats[key].as_u64().unwrap();
    assert_eq!(
        count("frames_captured"),
        frames + count("frames_dropped"),
        "{stats}"
    );
    // Beyond stale and error-flagged frames, only what was pending or in flight at exit.
    let unexplained = count("frames_dropped") - count("frames_stale") - count("frames_error");
    assert!(unexplained <= 2, "{stats}");
    let fbs = scenario.text(&format!("{run}.framebuffers"));
    let ours: Vec<&str> = fbs
        .split("framebuffer[")
        .filter(|fb| fb.contains("allocated by = glasscam"))
        .collect();
    assert_eq!(
        ours.len(),
        stats["buffers"].as_u64().unwrap() as usize,
        "{fbs}"
    );
    for fb in ours {
        assert!(
            fb.contains("imported=yes"),
            "framebuffer not a dmabuf import: {fb}"
        );
    }
}

/// Each clean run's length: long enough for every buffer to cycle many times.
const FRAMES: u64 = 90;

#[test]
fn the_camera_buffers_are_scanned_out_as_they_are() {
    let scenario = run_scenario("kms-direct", "video=VGA-1:640x480");
    bad_input_fails_with_one_clear_line_and_leaves_the_display_alone(&scenario);
    bgr4_640x480_streams_colour_bars_without_copies(&scenario);
    the_multiplanar_api_streams_too(&scenario);
}

fn bgr4_640x480_streams_colour_bars_without_copies(scenario: &Scenario) {
    assert_zero_copy_run(scenario, "bars", FRAMES);
    let stats = scenario.stats("bars");
    assert_eq!(stats["format"], "BGR4");
    assert_eq!(
        (stats["width"].as_u64(), stats["height"].as_u64()),
        (Some(640), Some(480))
    );
    let during = scenario.screendump("bars.during");
    assert_eq!((during.width, during.height), (640, 480));
    during.assert_bars_everywhere("while streaming");
    let after = scenario.screendump("bars.after");
    assert!(
        !after.bar_errors((0, 0, 640, 480)).is_empty(),
        "bars left on screen after exit"
    );
    scenario.assert_screen_back("bars.before", "bars.after", "console not restored");
    assert_zero_copy_run(scenario, "legacy", FRAMES);
    assert!(scenario.text("legacy.log").contains("(legacy,"));
    scenario
        .screendump("legacy.during")
        .assert_bars_everywhere("legacy page flips");
    let list = scenario.text("list.txt");
    for expected in ["vivid", "single-planar", "BGR4", "640x480 fps:", " 30 "] {
        assert!(
            list.contains(expected),
            "--list lacks '{expected}':\n{list}"
        );
    }
}

#[test]
fn a_frame_smaller_than_the_mode_gets_a_matching_mode_and_the_old_one_back() {
    let scenario = run_scenario("kms-mode-match", "");
    assert_zero_copy_run(&scenario, "modematch", FRAMES);
    let before = scenario.screendump("modematch.before");
    assert_eq!(
        (before.width, before.height),
        (1024, 768),
        "cirrus boots in 1024x768"
    );
    let during = scenario.screendump("modematch.during");
    assert_eq!((during.width, during.height), (640, 480));
    during.assert_bars_everywhere("in the matched mode");
    let after = scenario.screendump("modematch.after");
    assert_eq!(
        (after.width, after.height),
        (1024, 768),
        "mode not restored"
    );
    scenario.assert_screen_back(
        "modematch.before",
        "modematch.after",
        "console not restored",
    );
    assert!(scenario.text("modematch.log").contains("mode 640x480"));
    for run in ["sigterm", "sigint"] {
        scenario.assert_exit_ok(run);
        assert!(scenario.stats(run)["frames_presented"].as_u64() > Some(0));
        scenario
            .screendump(&format!("{run}.during"))
            .assert_bars_everywhere(run);
        let after = scenario.screendump(&format!("{run}.after"));
        assert_eq!(
            (after.width, after.height),
            (1024, 768),
            "{run}: mode not restored"
        );
    }
}

fn the_multiplanar_api_streams_too(scenario: &Scenario) {
    assert_zero_copy_run(scenario, "mplane", FRAMES);
    scenario
        .screendump("mplane.during")
        .assert_bars_everywhere("multi-planar");
}

fn bad_input_fails_with_one_clear_line_and_leaves_the_display_alone(scenario: &Scenario) {
    let expect = |run: &str, code: i32, words: &[&str]| scenario.assert_error(run, code, 1, words);
    expect("missing-device", 3, &["/dev/video99", "No such file"]);
    expect("dev-null", 3, &["/dev/null", "not a V4L2 device"]);
    expect("drm-node", 3, &["/dev/dri/card0", "not a V4L2 device"]);
    expect("output-only", 3, &["not a video capture device"]);
    expect("unknown-format", 3, &["no format ABCD", "BGR4", "YUYV"]);
    expect("no-such-connector", 4, &["HDMI-A-7", "VGA-1"]);
    expect(
        "card-not-kms",
        4,
        &["/dev/null", "not a KMS display device"],
    );
    expect("no-fit", 4, &["640x360", "640x480", "cannot scale"]);
    scenario.assert_screen_back(
        "console.before",
        "console.after",
        "failed runs changed the display",
    );
    // Nothing leaked or stayed locked: a normal run right after all that still works,
    // choosing by itself the first vivid format cirrus scans out (RGB565) at the mode's size.
    assert_zero_copy_run(scenario, "after-errors", FRAMES);
    let stats = scenario.stats("after-errors");
    assert_eq!(stats["format"], "RGBP", "{stats}");
    assert_eq!(
        (stats["width"].as_u64(), stats["height"].as_u64()),
        (Some(640), Some(480))
    );
    scenario
        .screendump("after-errors.during")
        .assert_bars_everywhere("after the failures");
}
