//! The desktop viewer's features in the rig (scenario `viewer`, one boot): camera controls
//! listed, set before streaming and read back from the driver, and bad ones refused.

mod common;

use common::{run_scenario, Scenario};

#[test]
fn the_viewer_lists_sets_and_refuses_camera_controls() {
    let scenario = run_scenario("viewer", "video=VGA-1:640x480");
    controls_are_listed_with_range_default_and_value(&scenario);
    controls_set_before_streaming_are_what_the_driver_holds(&scenario);
    bad_controls_end_in_one_line_and_exit_2(&scenario);
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
