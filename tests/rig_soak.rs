//! A shorter soak (1,000 presented frames on the console, direct and in import mode, and 500
//! in weston, which composes 5 to 10 a second here; `rig/soak` runs the full 10,000 on each):
//! what glasscam holds after its first 100 frames is what it holds at the end.

mod common;

use common::run_scenario;

const CONSOLE_FRAMES: u64 = 1000;
const WESTON_FRAMES: u64 = 500;
/// RSS may move by a page or two of allocator noise; a leak of one frame's worth (1.2 MB at
/// 640x480 XRGB) or of a small record per frame (1,000 × 64 bytes, or 500 × 128 in weston)
/// would not fit.
const RSS_SLACK_KB: u64 = 48;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    seconds: f64,
    fds: u64,
    rss_kb: u64,
    dmabufs: u64,
    framebuffers: u64,
    weston_fds: Option<u64>,
}

fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .map(|line| {
            let v: Vec<u64> = line
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect();
            Sample {
                seconds: v[0] as f64,
                fds: v[1],
                rss_kb: v[2],
                dmabufs: v[3],
                framebuffers: v[4],
                weston_fds: v.get(5).copied(),
            }
        })
        .collect()
}

#[test]
fn a_long_run_holds_the_same_fds_buffers_and_memory_at_the_end_as_after_100_frames() {
    let scenario = run_scenario(
        "soak",
        &format!("video=VGA-1:640x480 glasscam.soak_frames={CONSOLE_FRAMES} glasscam.soak_wayland_frames={WESTON_FRAMES}"),
    );
    for (backend, path, frames) in [
        ("kms", "kms-direct", CONSOLE_FRAMES),
        ("kms-import", "kms-import", CONSOLE_FRAMES),
        ("wayland", "wayland-direct", WESTON_FRAMES),
    ] {
        let run = format!("soak-{backend}");
        scenario.assert_exit_ok(&run);
        let stats = scenario.stats(&run);
        assert_eq!(stats["frames_presented"], frames, "{stats}");
        assert_eq!(stats["path"], path, "{stats}");
        let fps = stats["presented_fps"].as_f64().unwrap();
        let rows = samples(&scenario.text(&format!("{run}.samples")));
        let early = *rows
            .iter()
            .find(|s| s.seconds * fps >= 100.0)
            .unwrap_or_else(|| panic!("{backend}: no sample after 100 frames: {rows:?}"));
        let end = *rows.last().unwrap();
        // Samples come every second or so, further apart when the host is busy (seen: the
        // last at 30 s of a 33.5 s run): 80 % of the run is still 8 times the early sample.
        assert!(
            end.seconds * fps >= 0.8 * frames as f64,
            "{backend}: the last sample came early: {end:?}"
        );
        assert_eq!(
            (end.fds, end.dmabufs, end.framebuffers, end.weston_fds),
            (
                early.fds,
                early.dmabufs,
                early.framebuffers,
                early.weston_fds
            ),
            "{backend}: after 100 frames {early:?}, at the end {end:?}"
        );
        assert!(
            end.rss_kb <= early.rss_kb + RSS_SLACK_KB,
            "{backend}: RSS grew from {} kB to {} kB",
            early.rss_kb,
            end.rss_kb
        );
        // On KMS one framebuffer per camera buffer, beside the console's own.
        if backend.starts_with("kms") {
            assert_eq!(early.framebuffers, stats["buffers"].as_u64().unwrap() + 1);
        } else {
            assert!(early.weston_fds.is_some());
        }
    }
}
