//! The kiosk's systemd unit (dist/glasscam-kiosk.service) as systemd itself reads it:
//! `systemd-analyze verify` with the unit's ExecStart pointed at this build.

use std::path::Path;
use std::process::Command;

#[test]
fn the_kiosk_unit_passes_systemd_analyze_verify_without_a_warning() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("dist/glasscam-kiosk.service")).unwrap();
    assert!(
        unit.contains("ExecStart=/usr/local/bin/glasscam "),
        "{unit}"
    );
    assert!(
        unit.contains("User=glasscam") && unit.contains("Restart=on-failure"),
        "{unit}"
    );
    let built = unit.replace("/usr/local/bin/glasscam", env!("CARGO_BIN_EXE_glasscam"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kiosk-unit");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("glasscam-kiosk.service");
    std::fs::write(&path, built).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze (systemd) is needed to check the kiosk unit");
    let said = String::from_utf8_lossy(&out.stderr);
    // A directive systemd cannot parse is only a warning: any word from it fails the test.
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}
