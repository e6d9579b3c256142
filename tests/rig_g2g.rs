//! `glasscam bench --g2g` with a real camera driver (vivid) in the rig, on weston and on the
//! console: the marker flips black/white in the picture's bottom-left corner without
//! disturbing the picture, and calibration, reading vivid's real frames, reports that this
//! camera cannot see it.

mod common;

use common::{run_scenario, Image, Scenario};

/// Checks run `name` ended as a camera that cannot see the marker must, and that every
/// capture taken after a flip shows the marker in the colour it turned to over a whole
/// picture; at least one of each colour.
fn assert_marker_flipped_on_glass(scenario: &Scenario, name: &str, ext: &str) {
    scenario.assert_ended_in_error(name, 1, &["does not see the marker", "bottom-left"]);

    // The scenario drops captures that spanned a flip.
    let (mut white, mut black) = (0, 0);
    for flip in 1..=9 {
        for colour in ["white", "black"] {
            let path = scenario.out.join(format!("{name}.{flip}.{colour}.{ext}"));
            if !path.exists() {
                continue;
            }
            let shot_name = format!("{name}.{flip}.{colour}");
            let shot = match ext {
                "png" => Image::read_png(&path),
                _ => Image::read_ppm(&path),
            };
            assert_eq!((shot.width, shot.height), (640, 480), "{shot_name}");
            // The picture is whole around the marker.
            shot.assert_bars_everywhere(&shot_name);
            // The marker is the 96x96 square in the bottom-left corner, all of that colour.
            let want = if colour == "white" {
                (255, 255, 255)
            } else {
                (0, 0, 0)
            };
            for (x, y) in [(48, 432), (4, 388), (91, 388), (4, 475), (91, 475)] {
                assert_eq!(shot.rgb(x, y), want, "{shot_name}: marker at ({x},{y})");
            }
            // Just above it, the picture's first bar (75% white); right of it, the second
            // (75% yellow).
            for (x, y, bar) in [(72, 300, [191, 191, 191]), (100, 432, [191, 191, 0])] {
                let (r, g, b) = shot.rgb(x, y);
                assert!(
                    [r, g, b].iter().zip(bar).all(|(v, w)| v.abs_diff(w) <= 16),
                    "{shot_name}: beside the marker at ({x},{y}): ({r},{g},{b})"
                );
            }
            match colour {
                "white" => white += 1,
                _ => black += 1,
            }
        }
    }
    assert!(
        white >= 1 && black >= 1,
        "{name}: too few captures after flips: {white} white, {black} black"
    );
}

#[test]
fn the_marker_flips_on_glass_and_a_camera_that_cannot_see_it_is_told_so() {
    let scenario = run_scenario("g2g", "video=VGA-1:640x480");
    on_the_console_the_marker_is_drawn_into_the_frames_by_the_gpu_and_copy_rungs(&scenario);
    assert_marker_flipped_on_glass(&scenario, "g2g", "png");
}

fn on_the_console_the_marker_is_drawn_into_the_frames_by_the_gpu_and_copy_rungs(
    scenario: &Scenario,
) {
    let gpu = scenario.text("g2g-kms-gpu.log");
    assert!(gpu.contains("using the gpu rung"), "{gpu}");
    assert!(gpu.contains("path kms-gpu"), "{gpu}");
    assert_marker_flipped_on_glass(scenario, "g2g-kms-gpu", "ppm");
    let copy = scenario.text("g2g-kms-copy.log");
    assert!(copy.contains("path kms-copy"), "{copy}");
    assert_marker_flipped_on_glass(scenario, "g2g-kms-copy", "ppm");

    // The direct rung shows the camera's own buffers: nothing to draw the marker into.
    scenario.assert_error("g2g-kms-direct", 4, 1, &["--path gpu or --path copy"]);

    scenario.assert_screen_back(
        "console.before",
        "console.after",
        "the console was not restored",
    );
}
