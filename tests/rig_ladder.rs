//! The fallback ladder on real drivers: formats the display can't take still reach the
//! glass, glasscam says which rung it stands on, and every copied byte is counted.

mod common;

use common::run_scenario;

#[test]
fn kms_steps_down_to_the_copy_rung_for_yuv_and_counts_every_byte() {
    let scenario = run_scenario("kms-copy", "video=VGA-1:640x480");
    let frame_bytes = 640 * 480 * 4;
    for run in ["yuyv", "nm12"] {
        let log = scenario.text(&format!("{run}.log"));
        assert_eq!(scenario.exit_code(run), 0, "{run}: {log}");
        let stats = scenario.stats(run);
        assert_eq!(stats["path"], "kms-copy", "{stats}");
        assert_eq!(stats["frames_presented"], 150, "{stats}");
        assert_eq!(stats["bytes_copied"], 150 * frame_bytes, "{stats}");
        assert!(log.contains("path kms-copy, 1 copy per frame"), "{log}");
        let shot = scenario.screendump(&format!("{run}.during"));
        let errors = shot.bar_errors((0, 0, shot.width, shot.height));
        assert!(errors.is_empty(), "{run}: no colour bars: {errors:?}");
    }
    // auto says in one line why it stepped down; a forced copy does not need to.
    let yuyv = scenario.text("yuyv.log");
    assert!(
        yuyv.lines()
            .next()
            .unwrap()
            .contains("stepping down to the copy rung"),
        "{yuyv}"
    );
    assert!(yuyv.contains("can show YUYV"), "{yuyv}");
    assert!(!scenario.text("nm12.log").contains("stepping down"));
    scenario.assert_error("direct-yuyv", 4, 1, &["no plane", "YUYV", "XR24"]);
}
