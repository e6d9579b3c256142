//! `glasscam bench --g2g` on weston with a real camera driver (vivid), in the rig: the marker
//! flips black/white in the picture's bottom-left corner without disturbing the picture, and
//! calibration, reading vivid's real frames, reports that this camera cannot see it.

mod common;

use common::run_scenario;

#[test]
fn the_marker_flips_on_glass_and_a_camera_that_cannot_see_it_is_told_so() {
    let scenario = run_scenario("g2g", "");
    let log = scenario.text("g2g.log");
    assert_eq!(scenario.exit_code("g2g"), 1, "{log}");
    let last = log.lines().last().unwrap_or_default();
    assert!(last.starts_with("glasscam: error: "), "{log}");
    assert!(last.contains("does not see the marker"), "{log}");
    assert!(last.contains("bottom-left"), "{log}");
    assert!(!log.contains("panicked"), "{log}");

    // Each screenshot was taken after a flip and before the next, named by the colour the
    // marker turned to (the scenario drops those that spanned a flip).
    let (mut white, mut black) = (0, 0);
    for flip in 1..=9 {
        for colour in ["white", "black"] {
            let path = scenario.out.join(format!("g2g.{flip}.{colour}.png"));
            if !path.exists() {
                continue;
            }
            let name = format!("g2g.{flip}.{colour}");
            let shot = common::Image::read_png(&path);
            assert_eq!((shot.width, shot.height), (640, 480), "{name}");
            // The picture is whole around the marker.
            shot.assert_bars_everywhere(&name);
            // The marker is the 96x96 square in the bottom-left corner, all of that colour.
            let want = if colour == "white" {
                (255, 255, 255)
            } else {
                (0, 0, 0)
            };
            for (x, y) in [(48, 432), (4, 388), (91, 388), (4, 475), (91, 475)] {
                assert_eq!(shot.rgb(x, y), want, "{name}: marker at ({x},{y})");
            }
            // Just above it, the picture: vivid's first bar, 75% white.
            let (r, g, b) = shot.rgb(72, 300);
            assert!(
                [r, g, b].iter().all(|v| v.abs_diff(191) <= 16),
                "{name}: above the marker ({r},{g},{b})"
            );
            match colour {
                "white" => white += 1,
                _ => black += 1,
            }
        }
    }
    assert!(
        white >= 1 && black >= 1,
        "too few screenshots after flips: {white} white, {black} black"
    );
}
