//! The fallback ladder on real drivers: formats the display can't take still reach the
//! glass, glasscam says which rung it stands on, and every copied byte is counted.

mod common;

use common::{run_scenario, Scenario};

/// llvmpipe draws a few frames a second under TCG: the gpu rung's runs are this long.
const GPU_FRAMES: u64 = 30;
const COPY_FRAMES: u64 = 60;

#[test]
fn kms_converting_rungs_show_what_the_plane_cannot() {
    let scenario = run_scenario("kms-rungs", "video=VGA-1:640x480");
    kms_gpu_rung_draws_yuv_with_the_shaders_without_copies(&scenario);
    kms_copy_rung_shows_yuv_and_counts_every_byte(&scenario);
}

fn kms_copy_rung_shows_yuv_and_counts_every_byte(scenario: &Scenario) {
    let frame_bytes = 640 * 480 * 4;
    for run in ["copy-yuyv", "copy-nm12"] {
        let stats = scenario.assert_streamed(run, "kms-copy", COPY_FRAMES);
        assert_eq!(stats["bytes_copied"], COPY_FRAMES * frame_bytes, "{stats}");
        let log = scenario.log(run);
        assert!(log.contains("path kms-copy, 1 copy per frame"), "{log}");
        let shot = scenario.screendump(&format!("{run}.during"));
        shot.assert_bars_everywhere(run);
    }
    scenario.assert_error("direct-yuyv", 4, 1, &["no plane", "YUYV", "XR24"]);
}

fn kms_gpu_rung_draws_yuv_with_the_shaders_without_copies(scenario: &Scenario) {
    for run in ["yuyv", "nv12"] {
        scenario.assert_streamed_without_copies(run, "kms-gpu", GPU_FRAMES);
        let shot = scenario.screendump(&format!("{run}.during"));
        shot.assert_bars_everywhere(run);
        // Render targets come from GBM on the card; cirrus has no GPU (no render node), so
        // EGL draws surfaceless, said in one line, and Mesa's loader warnings stay quiet.
        assert_eq!(scenario.stats(run)["allocator"], "gbm", "{run}");
        let log = scenario.text(&format!("{run}.log"));
        let no_gpu: Vec<&str> = log.lines().filter(|l| l.contains("has no GPU")).collect();
        assert_eq!(no_gpu.len(), 1, "{log}");
        assert!(no_gpu[0].contains("draws with surfaceless EGL"), "{log}");
        assert!(!log.contains("pci id for fd"), "{log}");
    }
    // auto said in one line why it left the direct rung; a forced rung says nothing.
    let yuyv = scenario.text("yuyv.log");
    let first = yuyv.lines().next().unwrap();
    assert!(
        first.contains("stepping down to the gpu rung") && first.contains("can show YUYV"),
        "{yuyv}"
    );
    assert!(!scenario.text("nv12.log").contains("stepping down"));
    // Two steps, a line each, and the copy rung counts its bytes.
    let rgb3 = scenario.assert_exit_ok("rgb3");
    let steps: Vec<&str> = rgb3
        .lines()
        .filter(|l| l.contains("stepping down"))
        .collect();
    assert_eq!(steps.len(), 2, "{rgb3}");
    assert!(
        steps[0].contains("can show RGB3") && steps[0].contains("to the gpu rung"),
        "{rgb3}"
    );
    assert!(
        steps[1].contains("the GPU cannot take") && steps[1].contains("to the copy rung"),
        "{rgb3}"
    );
    let stats = scenario.stats("rgb3");
    assert_eq!(stats["path"], "kms-copy", "{stats}");
    assert_eq!(stats["bytes_copied"], 45 * 640 * 480 * 4, "{stats}");
    scenario
        .screendump("rgb3.during")
        .assert_bars_everywhere("rgb3");
    // Refused in every placement (wide: the atomic test; huge: AddFB2): the camera's
    // buffers, then the display's own (import), then gpu, which draws into buffers of the
    // mode's size, a line each.
    for (run, size, frames, refusal) in [
        ("wide", "640x360", GPU_FRAMES, "cannot show a 640x360 frame"),
        (
            "huge",
            "3840x2160",
            GPU_FRAMES,
            "refused a BGR4 3840x2160 framebuffer",
        ),
    ] {
        let log = scenario.assert_exit_ok(run);
        let steps: Vec<&str> = log.lines().take(2).collect();
        assert!(
            steps[0].contains(refusal) && steps[0].ends_with("writes into the display's (import)"),
            "{log}"
        );
        assert!(
            steps[1].contains("refused its own buffers too")
                && steps[1].contains(refusal)
                && steps[1].ends_with("stepping down to the gpu rung"),
            "{log}"
        );
        let scaled: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("display buffers"))
            .collect();
        assert_eq!(scaled.len(), 1, "{log}");
        assert!(
            scaled[0].contains(&format!("refused {size} display buffers"))
                && scaled[0].contains("drawing frames scaled into 640x480"),
            "{log}"
        );
        scenario.assert_streamed_without_copies(run, "kms-gpu", frames);
        // 16:9 letterboxed into 4:3: the picture is 640x360 at y = 60, black above and below.
        let shot = scenario.screendump(&format!("{run}.during"));
        shot.assert_bars((0, 60, 640, 360), run);
        for (x, y) in [(320, 20), (320, 460)] {
            assert_eq!(shot.rgb(x, y), (0, 0, 0), "{run}: letterbox at {x},{y}");
        }
    }
}

#[test]
fn wayland_takes_the_converting_rungs_when_forced_or_refused() {
    let scenario = run_scenario("wayland-rungs", "");
    let frame_bytes = 640 * 480 * 4;
    // nv24 runs as a user with stock permissions, who may open neither udmabuf nor the
    // dma-heap the gpu rung's targets come from (weston names no device for GBM): it steps
    // on down to copy. gpu runs as a user with udmabuf (systemd 257), nv24-root as root
    // without udmabuf: the dma-heap.
    for (run, path, frames, allocator) in [
        ("forced", "wayland-copy", 30, "shm"),
        ("gpu", "wayland-gpu", 30, "udmabuf"),
        ("nv24", "wayland-copy", 30, "shm"),
        ("nv24-root", "wayland-gpu", 30, "dma-heap"),
    ] {
        let stats = scenario.assert_streamed(run, path, frames);
        assert_eq!(stats["allocator"], allocator, "{run}: {stats}");
        let copied = stats["bytes_copied"].as_u64().unwrap();
        if path == "wayland-copy" {
            // Conversions of frames weston never showed (it still held every wl_shm buffer,
            // or the run ended) count too: at least one per presented frame.
            assert!(
                copied >= frames * frame_bytes && copied.is_multiple_of(frame_bytes),
                "{stats}"
            );
        } else {
            assert_eq!(copied, 0, "{stats}");
        }
        let shot = scenario.screenshot(&format!("{run}.during"));
        shot.assert_bars((0, 0, 640, 480), run);
    }
    for run in ["nv24", "nv24-root"] {
        let log = scenario.text(&format!("{run}.log"));
        let first = log.lines().next().unwrap();
        assert!(
            first.contains("stepping down to the gpu rung") && first.contains("cannot import NV24"),
            "{log}"
        );
    }
    // Then each target tier refused in a line, and one line more down to copy.
    let nv24 = scenario.text("nv24.log");
    let lines: Vec<&str> = nv24.lines().collect();
    assert!(
        lines[1].contains("udmabuf gave no render targets")
            && lines[1].contains("Permission denied")
            && lines[1].ends_with("trying dma-heap"),
        "{nv24}"
    );
    assert!(
        lines[2].contains("the display gave the gpu rung no buffers")
            && lines[2].contains("Permission denied")
            && lines[2].contains("stepping down to the copy rung"),
        "{nv24}"
    );
}
