//! The desktop viewer's features in the rig (scenario `viewer`, one boot): camera controls
//! listed, set before streaming and read back from the driver, and bad ones refused;
//! --transform, --crop and --fill drawn by the gpu rung on cirrus and done by weston on the
//! camera's own buffers; the window's keys on weston and on the console (through --keys);
//! each seen on the screen.

mod common;

use common::{run_scenario, Bars, Scenario};

const WHITE: [bool; 3] = [true, true, true];
const YELLOW: [bool; 3] = [true, true, false];
const CYAN: [bool; 3] = [false, true, true];
const GREEN: [bool; 3] = [false, true, false];
const BLUE: [bool; 3] = [false, false, true];

/// vivid's first four bars (white, yellow, cyan, green: the left half of the frame), each a
/// quarter of `area`.
fn assert_first_four_bars(
    shot: &common::Image,
    (x0, y0, w, h): (usize, usize, usize, usize),
    what: &str,
) {
    for (i, colour) in [WHITE, YELLOW, CYAN, GREEN].into_iter().enumerate() {
        let at = (x0 + (2 * i + 1) * w / 8, y0 + h * 3 / 4);
        shot.assert_bar_colour(at, colour, &format!("{what}: bar {i}"));
    }
}

#[test]
fn the_viewer_lists_sets_and_refuses_camera_controls() {
    let scenario = run_scenario("viewer", "video=VGA-1:640x480");
    controls_are_listed_with_range_default_and_value(&scenario);
    controls_set_before_streaming_are_what_the_driver_holds(&scenario);
    without_fps_the_camera_runs_at_its_highest_rate(&scenario);
    bad_controls_end_in_one_line_and_exit_2(&scenario);
    cirrus_has_the_gpu_rung_draw_each_view(&scenario);
    weston_shows_each_view_of_the_cameras_own_buffers(&scenario);
    keys_change_the_view_size_and_camera_in_westons_window(&scenario);
    keys_take_a_snapshot_and_switch_size_and_camera(&scenario);
}

fn controls_are_listed_with_range_default_and_value(scenario: &Scenario) {
    let list = scenario.text("list.before");
    assert!(list.contains("  controls:\n"), "{list}");
    assert!(
        list.contains("    brightness (int): min=0 max=255 step=1 default=128 value=128\n"),
        "{list}"
    );
    // A menu lists its items under it.
    assert!(list.contains(" (menu): min="), "{list}");
    assert!(list.contains("      0: "), "{list}");
}

fn controls_set_before_streaming_are_what_the_driver_holds(scenario: &Scenario) {
    scenario.assert_streamed_without_copies("bright", "kms-direct", 150);
    assert_eq!(
        scenario.text("bright.read"),
        "brightness: 200\ncontrast: 100\ngain: 10\n"
    );
    // vivid draws with its controls: brighter and flatter, the black bar (the last of eight)
    // turns grey, where at the default it is black.
    let (bright, default) = (
        scenario.screendump("bright.during"),
        scenario.screendump("default.during"),
    );
    let black_bar = (600, 200);
    let (r, g, b) = default.rgb(black_bar.0, black_bar.1);
    assert!(
        r < 20 && g < 20 && b < 20,
        "default black bar {:?}",
        (r, g, b)
    );
    let (r, g, b) = bright.rgb(black_bar.0, black_bar.1);
    assert!(
        r > 60 && g > 60 && b > 60,
        "brightened black bar {:?}",
        (r, g, b)
    );
    default.assert_bars_everywhere("default");
}

fn without_fps_the_camera_runs_at_its_highest_rate(scenario: &Scenario) {
    scenario.assert_streamed_without_copies("fastest", "kms-direct", 30);
    let log = scenario.log("fastest");
    assert!(log.contains(" BGR4 640x480 at 120.00 fps -> "), "{log}");
}

fn bad_controls_end_in_one_line_and_exit_2(scenario: &Scenario) {
    scenario.assert_error(
        "unknown-control",
        2,
        1,
        &["has no control 'brightnes'", "brightness"],
    );
    scenario.assert_error(
        "out-of-range",
        2,
        1,
        &[
            "brightness=999 is not a value it takes",
            "0 to 255 in steps of 1",
        ],
    );
    scenario.assert_error("not-a-number", 2, 1, &["brightness=max"]);
    scenario.assert_error(
        "read-only",
        2,
        1,
        &["read_only_integer_32_bits cannot be set: it is read-only"],
    );
    scenario.assert_error("inactive", 2, 1, &["gain cannot be set: it is inactive"]);
    scenario.assert_error("not-name-value", 2, 1, &["is not NAME=VALUE"]);
}

fn cirrus_has_the_gpu_rung_draw_each_view(scenario: &Scenario) {
    for (run, view) in [
        ("kms-flipped", "transform flipped"),
        ("kms-90", "transform 90"),
        ("kms-crop", "crop 0,0 320x240"),
        ("kms-fill", "fill"),
    ] {
        scenario.assert_streamed_without_copies(run, "kms-gpu", 45);
        let log = scenario.log(run);
        let first = log.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("glasscam: VGA-1 cannot show {view} itself: "))
                && first.ends_with("; the gpu rung draws it"),
            "{log}"
        );
        assert!(
            log.contains(&format!(", {view} drawn by the gpu rung\n")),
            "{log}"
        );
    }
    let flipped = scenario.screendump("kms-flipped.during");
    flipped.assert_laid_bars((0, 0, 640, 480), Bars::Mirrored, "kms-flipped");
    // A quarter turn: 480x640 fitted into 640x480 is 360x480, black either side.
    let turned = scenario.screendump("kms-90.during");
    turned.assert_laid_bars((140, 0, 360, 480), Bars::RowsWhiteLast, "kms-90");
    for x in [20, 620] {
        assert_eq!(
            turned.rgb(x, 240),
            (0, 0, 0),
            "kms-90: beside the picture at x {x}"
        );
    }
    // The top-left quarter: the first four bars, each a quarter of the screen.
    let crop = scenario.screendump("kms-crop.during");
    assert_first_four_bars(&crop, (0, 0, 640, 480), "kms-crop");
    // 640x360 cut to 4:3 (480x360, x 80 to 560: yellow to blue) fills 640x480.
    let fill = scenario.screendump("kms-fill.during");
    fill.assert_bar_colour((5, 400), YELLOW, "kms-fill");
    fill.assert_bar_colour((634, 400), BLUE, "kms-fill");
    for y in [3, 476] {
        assert_ne!(
            fill.rgb(320, y),
            (0, 0, 0),
            "kms-fill: a black bar at y {y}"
        );
    }
}

fn weston_shows_each_view_of_the_cameras_own_buffers(scenario: &Scenario) {
    for (run, view) in [
        ("wl-keys", "transform flipped"),
        ("wl-90", "transform 90"),
        ("wl-crop", "crop 0,0 320x240"),
        ("wl-fill", "fill"),
    ] {
        // Stopped by SIGTERM once its screenshot was taken, or by Q.
        let log = scenario.assert_exit_ok(run);
        let stats = scenario.stats(run);
        assert_eq!(stats["path"], "wayland-direct", "{stats}");
        assert_eq!(stats["bytes_copied"], 0, "{stats}");
        assert!(stats["frames_presented"].as_u64() > Some(0), "{stats}");
        // YUYV shown as it is: weston converts it with its own matrix, said on the line.
        let line = format!(
            ", {view} by the display; the display converts YCbCr with its own matrix and \
             range, not necessarily the camera's BT.601 limited range (--path gpu converts \
             with the camera's exactly)\n"
        );
        assert!(log.contains(&line), "{log}");
    }
    // 640x480 in a 1280x720 window: 960x720 at x 160.
    let flipped = scenario.screenshot("wl-keys.flipped");
    flipped.assert_laid_bars((160, 0, 960, 720), Bars::Mirrored, "wl-keys.flipped");
    // Turned: 480x640 fitted is 540x720 at x 370.
    let turned = scenario.screenshot("wl-90.during");
    turned.assert_laid_bars((370, 0, 540, 720), Bars::RowsWhiteLast, "wl-90");
    let crop = scenario.screenshot("wl-crop.during");
    assert_first_four_bars(&crop, (160, 0, 960, 720), "wl-crop");
    // Cut to 16:9 (640x360), the bars fill the whole width: none black beside them.
    let fill = scenario.screenshot("wl-fill.during");
    fill.assert_laid_bars((0, 0, 1280, 720), Bars::Columns, "wl-fill");
    fill.assert_bar_colour((40, 600), WHITE, "wl-fill");
}

/// M, +, -, Z, R and C in weston's window, one after another, each seen on the screen; the
/// window stays and every frame is the camera's own buffer.
fn keys_change_the_view_size_and_camera_in_westons_window(scenario: &Scenario) {
    let log = scenario.log("wl-keys");
    let stats = scenario.stats("wl-keys");
    assert_eq!(stats["path"], "wayland-direct", "{stats}");
    assert_eq!(stats["bytes_copied"], 0, "{stats}");
    // M: upright again, 960x720 at x 160.
    let upright = scenario.screenshot("wl-keys.m");
    upright.assert_laid_bars((160, 0, 960, 720), Bars::Columns, "wl-keys.m");
    // +: 125%, the middle 512x384 of the frame fills the same place. At x 230 the picture
    // shows frame column 101 (yellow) where, whole, it shows column 47 (white).
    let zoomed = scenario.screenshot("wl-keys.zoomed");
    zoomed.assert_bar_colour((230, 600), YELLOW, "wl-keys.zoomed");
    upright.assert_bar_colour((230, 600), WHITE, "wl-keys.m");
    // Z: 1280x720 in the same window, which it fills exactly.
    let switched: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("glasscam: switched to "))
        .collect();
    assert_eq!(switched.len(), 2, "{log}");
    assert!(switched[0].contains("(vivid) YUYV 1280x720"), "{log}");
    assert!(!log.contains("stepping down"), "{log}");
    let z = scenario.screenshot("wl-keys.z");
    z.assert_laid_bars((0, 0, 1280, 720), Bars::Columns, "wl-keys.z");
    // R: a quarter turn clockwise; 720x1280 fitted is 405x720 at x 437.
    let turned = scenario.screenshot("wl-keys.r");
    turned.assert_laid_bars((437, 0, 405, 720), Bars::RowsWhiteFirst, "wl-keys.r");
    // C: the second vivid, solid red, still turned and as large; black beside it.
    assert!(switched[1].contains("YUYV 1280x720"), "{log}");
    let red = scenario.screenshot("wl-keys.c");
    let (r, g, b) = red.rgb(640, 360);
    assert!(r > 200 && g < 40 && b < 40, "wl-keys.c: {:?}", (r, g, b));
    assert_eq!(red.rgb(100, 360), (0, 0, 0), "wl-keys.c beside the picture");
}

fn keys_take_a_snapshot_and_switch_size_and_camera(scenario: &Scenario) {
    let log = scenario.assert_exit_ok("keys");
    let lines: Vec<&str> = log.lines().collect();
    // The snapshot: one line naming the file; the PNG is the camera's frame, bars and all.
    let snapshot = lines
        .iter()
        .find(|l| l.starts_with("glasscam: snapshot "))
        .unwrap();
    assert!(
        snapshot.starts_with("glasscam: snapshot /tmp/snaps/glasscam-")
            && snapshot.ends_with(".png (640x480)"),
        "{log}"
    );
    let png = common::Image::read_png(&scenario.out.join("snapshot.png"));
    assert_eq!((png.width, png.height), (640, 480));
    png.assert_bars_everywhere("snapshot");
    let stats = scenario.stats("keys");
    assert_eq!(stats["bytes_read_for_snapshots"], 640 * 480 * 4, "{stats}");
    assert_eq!(stats["bytes_copied"], 0, "{stats}");
    // Z: the next size vivid lists after 640x480, 1280x720, which cirrus does not scan out
    // from vivid's buffers: the ladder runs again, and the gpu rung draws it in a 1280x720
    // mode.
    let switched: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("glasscam: switched to "))
        .collect();
    assert_eq!(switched.len(), 2, "{log}");
    assert!(switched[0].contains("(vivid) BGR4 1280x720"), "{log}");
    assert!(
        log.contains("stepping down to the gpu rung") && log.contains("path kms-gpu"),
        "{log}"
    );
    let z = scenario.screendump("keys.z");
    assert_eq!((z.width, z.height), (1280, 720));
    z.assert_bars_everywhere("keys.z");
    // C: the second vivid, solid red, at the same size.
    let device = |line: &str| line.split(' ').nth(3).unwrap_or_default().to_string();
    assert!(
        switched[1].contains("BGR4 1280x720") && device(switched[1]) != device(switched[0]),
        "{log}"
    );
    let c = scenario.screendump("keys.c");
    for at in [(100, 400), (640, 360), (1200, 650)] {
        assert_eq!(c.rgb(at.0, at.1), (255, 0, 0), "keys.c at {at:?}");
    }
    assert_eq!(stats["path"], "kms-gpu", "{stats}");
}
