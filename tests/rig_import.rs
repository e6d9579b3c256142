//! Import mode in the rig: vivid writes into buffers the display made (V4L2_MEMORY_DMABUF),
//! shown as the display's own, on cirrus and on weston (scenario `import`, one boot). Each
//! run's pixels are checked.

mod common;

use common::{run_scenario, Scenario};

/// The glasscam framebuffers in a DRM framebuffer list.
fn our_framebuffers(scenario: &Scenario, run: &str) -> Vec<String> {
    scenario
        .text(&format!("{run}.framebuffers"))
        .split("framebuffer[")
        .filter(|fb| fb.contains("allocated by = glasscam"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_camera_writes_into_the_displays_own_buffers_on_cirrus_and_on_weston() {
    let scenario = run_scenario("import", "video=VGA-1:640x480");
    import_on_cirrus_shows_the_bars_in_the_cards_own_buffers(&scenario);
    the_auto_ladder_takes_import_before_gpu_when_the_camera_memory_is_refused(&scenario);
    the_camera_is_asked_for_the_rows_of_a_display_that_aligns_them(&scenario);
    a_camera_refusing_dmabuf_memory_steps_down_to_gpu_in_one_line(&scenario);
    import_on_weston_shows_yuyv_and_two_plane_nv12(&scenario);
}

fn import_on_cirrus_shows_the_bars_in_the_cards_own_buffers(scenario: &Scenario) {
    let stats = scenario.assert_streamed_without_copies("import", "kms-import", 120);
    assert_eq!(stats["allocator"], "gbm", "{stats}");
    scenario
        .screendump("import.during")
        .assert_bars_everywhere("import.during");
    // cirrus's own buffers: made on the card, not PRIME imports of another device's memory.
    let ours = our_framebuffers(scenario, "import");
    assert_eq!(ours.len(), stats["buffers"].as_u64().unwrap() as usize);
    for fb in &ours {
        assert!(fb.contains("imported=no"), "not the card's own: {fb}");
    }
}

fn the_auto_ladder_takes_import_before_gpu_when_the_camera_memory_is_refused(scenario: &Scenario) {
    let log = scenario.log("refused");
    let first = log.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "glasscam: the display refused /dev/video0's own buffers (refused for the test \
         (GLASSCAM_REFUSE_CAMERA_MEMORY)); the camera writes into the display's (import)",
        "{log}"
    );
    assert!(!log.contains("gpu rung"), "{log}");
    scenario.assert_streamed_without_copies("refused", "kms-import", 120);
    scenario
        .screendump("refused.during")
        .assert_bars_everywhere("refused.during");
}

fn the_camera_is_asked_for_the_rows_of_a_display_that_aligns_them(scenario: &Scenario) {
    let log = scenario.log("aligned");
    assert!(
        log.contains(
            "glasscam: the display's buffers have rows of 3072 bytes, the camera's 2560; asked \
             for theirs, it writes 3072\n"
        ),
        "{log}"
    );
    scenario.assert_streamed_without_copies("aligned", "kms-import", 60);
    scenario
        .screendump("aligned.during")
        .assert_bars_everywhere("aligned.during");
    let fbs = our_framebuffers(scenario, "aligned");
    assert!(
        !fbs.is_empty() && fbs.iter().all(|fb| fb.contains("pitch[0]=3072")),
        "{fbs:?}"
    );
}

fn a_camera_refusing_dmabuf_memory_steps_down_to_gpu_in_one_line(scenario: &Scenario) {
    let log = scenario.log("noreqbufs");
    let steps: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("stepping down"))
        .collect();
    assert_eq!(steps.len(), 1, "{log}");
    assert!(
        steps[0].contains("cannot write into the display's buffers")
            && steps[0].contains("VIDIOC_REQBUFS")
            && steps[0].ends_with("stepping down to the gpu rung"),
        "{log}"
    );
    scenario.assert_streamed("noreqbufs", "kms-gpu", 60);
    scenario
        .screendump("noreqbufs.during")
        .assert_bars_everywhere("noreqbufs.during");
}

fn import_on_weston_shows_yuyv_and_two_plane_nv12(scenario: &Scenario) {
    for (run, format) in [("yuyv", "YUYV"), ("nm12", "NM12")] {
        let stats = scenario.assert_streamed_without_copies(run, "wayland-import", 45);
        assert_eq!(stats["format"], format, "{stats}");
        assert_eq!(stats["allocator"], "udmabuf", "{stats}");
        scenario
            .screenshot(&format!("{run}.during"))
            .assert_bars((0, 0, 640, 480), format);
    }
}
