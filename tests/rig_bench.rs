//! `glasscam bench` on real drivers: the JSON holds every frame with every stage, in time
//! order, and agrees with its own summary; the table and the plot are written.

mod common;

use common::run_scenario;
use serde_json::Value;

fn ns(frame: &Value, key: &str) -> Option<u64> {
    frame[key].as_u64()
}

/// Checks one bench run's report; `camera_before_dequeue` when the camera stamps the start
/// of exposure (vivid's end-of-frame stamps lie ahead of DQBUF).
fn check_report(report: &Value, frames_wanted: u64, camera_before_dequeue: bool) {
    let frames = report["frames"].as_array().expect("frames");
    let presented: Vec<&Value> = frames.iter().filter(|f| f["fate"] == "presented").collect();
    assert_eq!(
        presented.len() as u64,
        frames_wanted,
        "{}",
        report["summary"]
    );
    assert_eq!(report["summary"]["frames_presented"], frames_wanted);
    assert_eq!(report["summary"]["frames_captured"], frames.len());
    // Sequence numbers never go back (vivid repeats its first one).
    let sequences: Vec<u64> = frames
        .iter()
        .map(|f| f["sequence"].as_u64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] <= w[1]), "{sequences:?}");
    let mut unreleased = 0;
    for f in &presented {
        let dequeued = ns(f, "dequeued_ns").expect("dequeued");
        let committed = ns(f, "committed_ns").expect("committed");
        let shown = ns(f, "presented_ns").expect("presented");
        assert!(f.get("presented_by_receipt").is_none(), "{f}");
        assert!(dequeued <= committed && committed <= shown, "{f}");
        let camera = ns(f, "camera_ns").expect("camera timestamp");
        if camera_before_dequeue {
            assert!(camera <= dequeued, "{f}");
        }
        // Direct: the buffer goes back only after the next frame replaced it on screen.
        match ns(f, "requeued_ns") {
            Some(requeued) => assert!(requeued >= shown, "{f}"),
            None => unreleased += 1,
        }
    }
    // Only the frames still on screen at exit keep their buffers.
    assert!(
        unreleased <= 2,
        "{unreleased} presented frames never released"
    );
    // The summary agrees with the frames.
    let stages = report["summary"]["stages"].as_array().unwrap();
    let stage = |name: &str| stages.iter().find(|d| d["stage"] == name).cloned();
    let total = stage("dequeue → present").expect("dequeue → present");
    assert_eq!(total["count"], frames_wanted);
    let worst = presented
        .iter()
        .map(|f| ns(f, "presented_ns").unwrap() - ns(f, "dequeued_ns").unwrap())
        .max()
        .unwrap() as f64
        / 1e6;
    assert!(
        (total["max_ms"].as_f64().unwrap() - worst).abs() < 0.001,
        "{total}"
    );
    for d in stages {
        let (min, p50, max) = (
            d["min_ms"].as_f64().unwrap(),
            d["p50_ms"].as_f64().unwrap(),
            d["max_ms"].as_f64().unwrap(),
        );
        assert!(min <= p50 * 1.001 && p50 <= max * 1.001, "{d}");
    }
    if camera_before_dequeue {
        let camera = stage("camera → dequeue").expect("camera → dequeue");
        assert_eq!(
            (camera["count"].clone(), camera["backwards"].clone()),
            (frames_wanted.into(), 0.into())
        );
    }
}

#[test]
fn bench_reports_every_frame_on_kms_and_wayland() {
    let scenario = run_scenario("bench", "video=VGA-1:640x480");
    for (run, frames, soe, clock) in [
        ("kms", 90, true, "KMS page-flip events on CLOCK_MONOTONIC"),
        ("wl", 60, false, "wp_presentation on CLOCK_MONOTONIC"),
    ] {
        scenario.assert_exit_ok(run);
        let report: Value = serde_json::from_str(&scenario.text(&format!("{run}.json"))).unwrap();
        assert!(
            report["run"]["display_clock"]
                .as_str()
                .unwrap()
                .starts_with(clock),
            "{}",
            report["run"]
        );
        check_report(&report, frames, soe);
        let table = scenario.text(&format!("{run}.table"));
        assert!(table.contains("dequeue → present"), "{table}");
        assert!(table.contains("skipped for a newer frame"), "{table}");
        let plot = scenario.text(&format!("{run}.svg"));
        assert!(
            plot.starts_with("<svg") && plot.contains("<polyline"),
            "{run}.svg"
        );
    }
}
