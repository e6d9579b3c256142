//! The kiosk that never goes dark, on the rig's cirrus console: a camera that is unplugged and
//! comes back (`--persistent`). Each test looks at cirrus's screendumps.

mod common;

use common::{run_scenario, Scenario};

/// One boot for both (scenario kms-kiosk): the camera replugged, then the display.
#[test]
fn the_kiosk_rides_out_a_camera_and_a_display_unplugged_and_plugged_back() {
    let scenario = run_scenario("kms-kiosk", "video=VGA-1:640x480");
    a_persistent_kiosk_shows_black_while_the_camera_is_gone_and_the_bars_once_it_is_back(&scenario);
    a_console_whose_display_is_unplugged_keeps_running_and_shows_the_camera_once_it_is_back(
        &scenario,
    );
    a_persistent_kiosk_started_without_a_display_waits_for_one(&scenario);
    a_kiosk_on_a_seat_gives_the_display_up_on_a_vt_switch_and_takes_it_back(&scenario);
}

fn a_kiosk_on_a_seat_gives_the_display_up_on_a_vt_switch_and_takes_it_back(scenario: &Scenario) {
    let log = scenario.text("vt.log");
    for round in 1..=5 {
        scenario
            .screendump(&format!("vt1-{round}"))
            .assert_bars_everywhere(&format!("vt1-{round}"));
        // VT 2's text console: fbcon in its own mode, no bars.
        let console = scenario.screendump(&format!("vt2-{round}"));
        assert!(
            (console.width, console.height) != (640, 480)
                || !console.bar_errors((0, 0, 640, 480)).is_empty(),
            "vt2-{round} still shows the camera: {log}"
        );
        // Back on VT 1: the bars within 2 s (the dump is taken 1.5 s after chvt 1).
        scenario
            .screendump(&format!("vt1-{round}-back"))
            .assert_bars_everywhere(&format!("vt1-{round}-back"));
    }
    let paused = log
        .matches("the seat went to another session (VT switch); paused")
        .count();
    let back = log
        .matches("the seat is back; showing the camera again")
        .count();
    assert_eq!((paused, back), (5, 5), "{log}");
    assert_eq!(scenario.text("vt.rc").trim(), "0", "{log}");
    assert_eq!(scenario.stats("vt")["seat_pauses"], 5, "{log}");
    assert!(!log.contains("error"), "{log}");
    // The seat manager opened the card for the user: no leak across the switches.
    assert_nothing_leaked(scenario, "vt-leaks", 6);
}

fn a_persistent_kiosk_started_without_a_display_waits_for_one(scenario: &Scenario) {
    let log = scenario.text("late.log");
    let first = log.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("glasscam: no display is connected (")
            && first.ends_with("; waiting for one (--persistent)"),
        "{log}"
    );
    assert_eq!(log.matches("waiting for one").count(), 1, "{log}");
    assert_eq!(scenario.text("late.rc").trim(), "0", "{log}");
    assert_eq!(scenario.stats("late")["frames_presented"], 60, "{log}");
    scenario.screendump("late").assert_bars_everywhere("late");
}

fn a_persistent_kiosk_shows_black_while_the_camera_is_gone_and_the_bars_once_it_is_back(
    scenario: &Scenario,
) {
    let log = scenario.text("persistent.log");
    // Three times: bars, then black while vivid is unloaded, then the bars again.
    for round in 1..=3 {
        scenario
            .screendump(&format!("bars{round}"))
            .assert_bars_everywhere(&format!("bars{round}"));
        let black = scenario.screendump(&format!("black{round}"));
        for x in (40..640).step_by(80) {
            assert_eq!(
                black.rgb(x, 240),
                (0, 0, 0),
                "black{round} at {x},240: {log}"
            );
        }
    }
    scenario.screendump("bars4").assert_bars_everywhere("bars4");
    let gone = log
        .lines()
        .filter(|l| l.contains("was disconnected; showing black"))
        .count();
    let back = log
        .lines()
        .filter(|l| l.contains("is back") && l.contains("streaming again"))
        .count();
    assert_eq!((gone, back), (3, 3), "{log}");
    // Ended by SIGTERM after the third return: a clean exit, the count in --stats.
    assert_eq!(scenario.text("persistent.rc").trim(), "0", "{log}");
    assert_eq!(
        scenario.stats("persistent")["camera_reconnects"],
        3,
        "{log}"
    );
    // Nothing leaks across the returns: the same fds and framebuffers with the bars up.
    assert_nothing_leaked(scenario, "leaks", 4);
    // Without --persistent the disconnect ends the run, exit 3, in one line.
    let once = scenario.text("once.log");
    assert_eq!(scenario.text("once.rc").trim(), "3", "{once}");
    assert!(
        once.ends_with("glasscam: error: /dev/video0 was disconnected\n"),
        "{once}"
    );
}

fn a_console_whose_display_is_unplugged_keeps_running_and_shows_the_camera_once_it_is_back(
    scenario: &Scenario,
) {
    let log = scenario.text("hotplug.log");
    scenario
        .screendump("before")
        .assert_bars_everywhere("before");
    // Forced off: glasscam presents nothing, so the screen keeps the bars although vivid
    // sends solid red by then (cirrus scans out what it had).
    scenario.screendump("gone").assert_bars_everywhere("gone");
    // On again: the mode is set again and the camera's frames (red now) show.
    let back = scenario.screendump("back");
    for x in (40..640).step_by(80) {
        assert_eq!(back.rgb(x, 240), (255, 0, 0), "back at {x},240: {log}");
    }
    assert_eq!(
        hotplug_lines(&log, "VGA-1"),
        [
            "glasscam: VGA-1 was disconnected; waiting for a display",
            "glasscam: VGA-1 is connected again; showing the camera"
        ],
        "{log}"
    );
    assert_eq!(scenario.text("hotplug.rc").trim(), "0", "{log}");
    assert_eq!(scenario.stats("hotplug")["display_reconnects"], 1, "{log}");
}

/// The lines of `log` that say `connector` went or came back.
fn hotplug_lines<'a>(log: &'a str, connector: &str) -> Vec<&'a str> {
    let gone = format!("{connector} was disconnected");
    let back = format!("{connector} is connected again");
    log.lines()
        .filter(|l| l.contains(&gone) || l.contains(&back))
        .collect()
}

/// The scenario's `leaks` lines in FILE (`N fds F framebuffers B`): `rounds` of them, every
/// count the same.
fn assert_nothing_leaked(scenario: &Scenario, file: &str, rounds: usize) {
    let leaks = scenario.text(file);
    let counts: Vec<&str> = leaks
        .lines()
        .map(|l| l.split_once(' ').map_or("", |(_, rest)| rest))
        .collect();
    assert_eq!(counts.len(), rounds, "{leaks}");
    assert!(counts.iter().all(|c| *c == counts[0]), "{leaks}");
}

/// A card with two connectors (scenario kms-takeover: QEMU's virtio-gpu with two outputs, as
/// cirrus has one): the connector in use unplugged while the other is connected, and the
/// camera moves to the other; with --connector pinning the first, it waits for that one.
#[test]
fn another_connector_takes_over_when_the_one_in_use_is_unplugged_unless_one_is_pinned() {
    let scenario = run_scenario("kms-takeover", "");
    let moved = scenario.text("moved.log");
    scenario
        .screendump("moved-first")
        .assert_bars_everywhere("moved-first");
    // Virtual-2's head was never scanned out before the move: the bars there are the move.
    scenario
        .screendump("moved-second")
        .assert_bars_everywhere("moved-second");
    assert!(
        moved.contains("glasscam: Virtual-1 was disconnected; showing the camera on Virtual-2\n"),
        "{moved}"
    );
    assert!(!moved.contains("waiting for a display"), "{moved}");
    assert_eq!(scenario.text("moved.rc").trim(), "0", "{moved}");
    assert_eq!(scenario.stats("moved")["display_reconnects"], 1, "{moved}");

    let pinned = scenario.text("pinned.log");
    assert_eq!(
        hotplug_lines(&pinned, "Virtual-1"),
        [
            "glasscam: Virtual-1 was disconnected; waiting for a display",
            "glasscam: Virtual-1 is connected again; showing the camera"
        ],
        "{pinned}"
    );
    scenario
        .screendump("pinned-first")
        .assert_bars_everywhere("pinned-first");
    assert_eq!(scenario.text("pinned.rc").trim(), "0", "{pinned}");
}
