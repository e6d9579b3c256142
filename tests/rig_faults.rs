//! The fault matrix (README "Failure behaviour") against real vivid and cirrus: every fault
//! ends in one clear line and its documented exit code, or is counted while streaming goes
//! on; the console found at start is back after each run.

mod common;

use common::{run_scenario, Scenario};
use serde_json::Value;

/// A run that streamed and then hit `words` mid-run: frames reached the screen, the last
/// line is the only error line, and the console came back.
fn assert_failed_mid_run(scenario: &Scenario, run: &str, code: i32, words: &[&str]) {
    // The last line is an error line with the words; no other line is one.
    let log = scenario.assert_ended_in_error(run, code, words);
    assert!(log.contains("first frame on screen"), "{run}: {log}");
    let errors = log
        .lines()
        .filter(|l| l.starts_with("glasscam: error: "))
        .count();
    assert_eq!(errors, 1, "{run}: {log}");
    assert_console_back(scenario, run);
}

fn assert_console_back(scenario: &Scenario, run: &str) {
    let what = format!("{run}: the console was not restored");
    scenario.assert_screen_back("console.before", &format!("{run}.after"), &what);
}

fn sequences(report: &Value) -> Vec<u64> {
    report["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sequence"].as_u64().unwrap())
        .collect()
}

/// Frames the driver skipped, from consecutive sequence numbers (modulo 2^32).
fn gaps_between(sequences: &[u64]) -> u64 {
    // A number repeated (vivid, behind under load, numbered two frames alike) or going back
    // is no gap: steps of half the range or more count as none, as glasscam counts them.
    sequences
        .windows(2)
        .map(|w| (w[1] + (1 << 32) - w[0] - 1) % (1 << 32))
        .filter(|&gap| gap < u64::from(u32::MAX / 2))
        .sum()
}

#[test]
fn every_fault_ends_in_one_line_or_is_counted_and_the_console_comes_back() {
    let scenario = run_scenario("faults", "video=VGA-1:640x480");
    let expect = |run: &str, code: i32, lines: usize, words: &[&str]| {
        scenario.assert_error(run, code, lines, words)
    };

    // Refused before anything reached the screen.
    expect("busy", 3, 1, &["/dev/video0", "in use by another process"]);
    expect("lacks-format", 3, 1, &["no format MJPG", "YUYV", "BGR4"]);
    // Through STREAMON, the startup line comes first.
    expect("reqbufs", 3, 1, &["VIDIOC_REQBUFS", "Invalid argument"]);
    expect("streamon", 3, 2, &["VIDIOC_STREAMON", "Invalid argument"]);
    expect("qbuf", 3, 2, &["VIDIOC_QBUF", "Invalid argument"]);
    expect("master-held", 4, 1, &["DRM master", "another process"]);
    expect("unplugged", 4, 1, &["nothing connected"]);
    expect("size-zero", 2, 1, &["0x0", "1 to 16384"]);
    expect("fps-zero", 2, 1, &["--fps", "1..=1000"]);
    expect("bad-fourcc", 2, 1, &["YUYV2", "not a fourcc"]);

    // The driver adjusts size and rate: said in a line each, then streamed.
    let adjusted = scenario.assert_exit_ok("adjusted");
    assert!(
        adjusted.contains("adjusted the size from 1000x700 to 1280x720")
            && adjusted.contains("was asked for 45 fps and set 1/50 s per frame")
            && adjusted.contains("BGR4 1280x720 at 50.00 fps"),
        "{adjusted}"
    );
    assert!(
        !adjusted.contains('\x1b'),
        "colour codes in a log: {adjusted}"
    );

    // Error-flagged buffers are skipped and counted, and streaming goes on.
    scenario.assert_exit_ok("buf-error");
    let stats = scenario.stats("buf-error");
    assert_eq!(stats["frames_error"], 3, "{stats}");
    assert_eq!(stats["frames_presented"], 150, "{stats}");
    assert_console_back(&scenario, "buf-error");

    assert_failed_mid_run(&scenario, "qbuf-mid-run", 3, &["VIDIOC_QBUF"]);
    assert_failed_mid_run(
        &scenario,
        "fatal",
        3,
        &["stopped streaming with an error", "EIO"],
    );
    assert_failed_mid_run(&scenario, "disconnect", 3, &["was disconnected"]);

    for signal in ["sigINT", "sigTERM", "sigHUP"] {
        let log = scenario.assert_exit_ok(signal);
        assert!(log.lines().last().unwrap().contains("presented"), "{log}");
        assert!(scenario.stats(signal)["frames_presented"].as_u64() > Some(0));
        assert_console_back(&scenario, signal);
    }

    // Sequence numbers from 0xffffff80 wrap to 0 without a false drop; timestamps near
    // 2^63 ns are refused, not turned into latencies.
    scenario.assert_exit_ok("wrap");
    let wrap: Value = serde_json::from_str(&scenario.text("wrap.json")).unwrap();
    let seq = sequences(&wrap);
    // vivid counts frames by time: a guest that falls behind loses a real one now and then,
    // so the count must match the frames' own numbers rather than be zero.
    assert!(seq[0] >= 0xffff_ff80, "{:?}", &seq[..3]);
    let wrap_at = seq.windows(2).position(|w| w[1] < w[0]).expect("no wrap");
    assert!(
        seq[wrap_at] >= 0xffff_ff80 && seq[wrap_at + 1] < 0x80,
        "{:?}",
        &seq[wrap_at..wrap_at + 2]
    );
    let gaps = gaps_between(&seq);
    assert_eq!(wrap["summary"]["drops"]["sequence_gaps"], gaps);
    assert!(
        gaps < 30,
        "{gaps} frames lost around a wrap is a false count"
    );
    // Every frame dequeued is refused, not only the 240 presented: a frame skipped for a
    // newer one, or dequeued while the last flips were in flight, is recorded too.
    let refused = wrap["summary"]["camera_timestamps_refused"]
        .as_u64()
        .unwrap();
    assert_eq!(refused, seq.len() as u64);
    assert!(refused >= 240, "{refused}");
    let stages = wrap["summary"]["stages"].as_array().unwrap();
    assert!(
        stages
            .iter()
            .all(|d| !d["stage"].as_str().unwrap().starts_with("camera")),
        "a camera stage from wrapped timestamps: {stages:?}"
    );
    assert!(scenario.text("wrap.table").contains(&format!(
        "{refused} camera timestamps lay more than 10 s from their DQBUF"
    )));

    // vivid drops a quarter of its buffers: every one is counted, from the sequence gaps.
    scenario.assert_exit_ok("dropped");
    let dropped: Value = serde_json::from_str(&scenario.text("dropped.json")).unwrap();
    let seq = sequences(&dropped);
    let gaps = gaps_between(&seq);
    assert_eq!(dropped["summary"]["drops"]["sequence_gaps"], gaps);
    let share = gaps as f64 / (gaps + seq.len() as u64) as f64;
    assert!((0.1..0.4).contains(&share), "{gaps} of {}", seq.len());

    // Too few fds: one line naming the limit, at every limit that is too low. 5 is too few
    // to open the card beside the camera, 8 too few for a dmabuf per buffer; 16 streams.
    let mut refused = Vec::new();
    for limit in [5, 8, 10, 16] {
        let run = format!("fd-limit-{limit}");
        match scenario.exit_code(&run) {
            0 => assert!(!refused.is_empty() && limit >= 10, "{run} streamed"),
            code => {
                assert!(limit < 16, "{run} failed: {}", scenario.log(&run));
                expect(&run, code, 1, &[&format!("ulimit -n is {limit}")]);
                refused.push(limit);
            }
        }
    }
    assert!(refused.starts_with(&[5, 8]), "refused at {refused:?}");

    // None of it left the console changed, a lock held or a fault pending.
    scenario.assert_screen_back(
        "console.before",
        "console.after-faults",
        "the faults left the console changed",
    );
    scenario.assert_exit_ok("after-faults");
    assert_eq!(scenario.stats("after-faults")["frames_presented"], 90);
    scenario
        .screendump("after-faults.during")
        .assert_bars_everywhere("after the faults");
    scenario.assert_screen_back(
        "console.before",
        "after-faults.before",
        "the console did not come back after the connector was plugged in again",
    );
}
