//! The command line as a user meets it, on this machine (no camera or display needed).

use std::process::{Command, Output};

fn glasscam(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glasscam"))
        .args(args)
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap()
}

fn one_error_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.starts_with("glasscam: error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn bad_values_are_usage_errors() {
    for (args, words) in [
        (&["--size", "0x0"][..], "out of range"),
        (&["--size", "wide"], "WIDTHxHEIGHT"),
        (&["--fps", "0"], "--fps"),
        (&["--frames", "0"], "--frames"),
        (&["--format", "TOOLONG"], "fourcc"),
        (&["--backend", "x11"], "x11"),
        (&["--no-such-option"], "--no-such-option"),
    ] {
        let output = glasscam(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let line = one_error_line(&output);
        assert!(line.contains(words), "{args:?}: {line}");
    }
}

#[test]
fn a_missing_device_is_a_camera_error() {
    let output = glasscam(&["--backend", "kms", "--device", "/nonexistent/video7"]);
    assert_eq!(output.status.code(), Some(3));
    let line = one_error_line(&output);
    assert!(line.contains("/nonexistent/video7"), "{line}");
}

#[test]
fn a_file_that_is_no_v4l2_node_is_refused() {
    let output = glasscam(&["--backend", "kms", "--device", "/dev/null"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(one_error_line(&output).contains("not a V4L2 device"));
}

#[test]
fn help_lists_the_documented_options() {
    let output = glasscam(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--device",
        "--backend",
        "--format",
        "--size",
        "--fps",
        "--frames",
        "--card",
        "--connector",
        "--stats",
        "--fullscreen",
        "--list",
    ] {
        assert!(help.contains(option), "{option} missing from --help");
    }
}
