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

#[test]
fn install_puts_the_man_page_completions_and_desktop_entry_in_place() {
    let dest = std::env::temp_dir().join(format!("glasscam-install-{}", std::process::id()));
    let status = Command::new("sh")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/dist/install.sh"))
        .env("DESTDIR", &dest)
        .env("PREFIX", "/usr")
        .env("GLASSCAM_BIN", env!("CARGO_BIN_EXE_glasscam"))
        .status()
        .unwrap();
    assert!(status.success());
    let root = dest.join("usr");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    // Made from the options themselves: every option is there, escaped for roff.
    let man = read("share/man/man1/glasscam.1");
    assert!(man.contains(".TH glasscam 1"), "{man}");
    for option in ["transform", "crop", "control", "keys", "snapshot\\-dir"] {
        assert!(
            man.contains(&format!("\\-\\-{option}")),
            "--{option}: {man}"
        );
    }
    assert!(
        !man.contains("generate"),
        "the packaging subcommand stays hidden"
    );
    let bash = read("share/bash-completion/completions/glasscam");
    assert!(
        bash.contains("--transform") && bash.contains("flipped-90"),
        "{bash}"
    );
    assert!(read("share/zsh/site-functions/_glasscam").contains("#compdef glasscam"));
    assert!(read("share/fish/vendor_completions.d/glasscam.fish").contains("-l transform"));
    // The desktop entry names the window's app_id, so the shell groups the window with it.
    let desktop = read("share/applications/glasscam.desktop");
    for line in ["Exec=glasscam", "Icon=glasscam", "StartupWMClass=glasscam"] {
        assert!(desktop.lines().any(|l| l == line), "{line}: {desktop}");
    }
    let window = include_str!("../src/display/wayland/window.rs");
    assert!(window.contains("set_app_id(\"glasscam\")"));
    assert!(read("share/icons/hicolor/scalable/apps/glasscam.svg").starts_with("<svg"));
    assert!(root.join("bin/glasscam").is_file());
    std::fs::remove_dir_all(&dest).unwrap();
}
