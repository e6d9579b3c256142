//! The bench's figures: per-stage latency distributions, frame-interval jitter and drops by
//! cause, from the per-frame records; printed as a table and written as JSON.

use hdrhistogram::Histogram;
use serde::Serialize;

use super::record::{Fate, FrameRecord};

/// One stage's latency distribution, in milliseconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Distribution {
    pub stage: &'static str,
    pub count: u64,
    /// Frames whose stage ran backwards (ended before it began), left out of the figures:
    /// a driver whose timestamps are not real capture times (vivid's end-of-frame stamps lie
    /// ahead of DQBUF).
    pub backwards: u64,
    pub min_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// Frames lost, by who lost them.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Drops {
    /// Gaps in the V4L2 sequence numbers: the driver had no buffer to fill.
    pub sequence_gaps: u64,
    /// Replaced by a newer frame before the display took them.
    pub skipped: u64,
    /// Committed but never shown: the compositor discarded them.
    pub discarded: u64,
    /// Flagged V4L2_BUF_FLAG_ERROR.
    pub error: u64,
    /// Still on the way when the run ended.
    pub unfinished: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub frames_captured: u64,
    pub frames_presented: u64,
    pub stages: Vec<Distribution>,
    /// Time between consecutive presentations, and between consecutive camera timestamps.
    pub intervals: Vec<Distribution>,
    pub drops: Drops,
    /// Camera timestamps on CLOCK_MONOTONIC that lay more than
    /// `record::MAX_TIMESTAMP_DISTANCE` from their DQBUF (a wrapped or offset clock), left
    /// out of every camera stage.
    pub camera_timestamps_refused: u64,
}

/// Microsecond histogram of up to a minute, three significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// Min, max and mean are exact; percentiles come from the histogram (to 0.1%).
pub fn distribution(
    stage: &'static str,
    samples: impl Iterator<Item = Option<u64>>,
) -> Option<Distribution> {
    let mut h = histogram();
    let (mut min, mut max, mut sum, mut count, mut backwards) = (u64::MAX, 0, 0u128, 0u64, 0);
    for sample in samples {
        let Some(ns) = sample else {
            backwards += 1;
            continue;
        };
        min = min.min(ns);
        max = max.max(ns);
        sum += u128::from(ns);
        count += 1;
        // Microseconds; saturates at a minute rather than failing.
        h.saturating_record((ns / 1000).max(1));
    }
    if count == 0 && backwards == 0 {
        return None;
    }
    if count == 0 {
        min = 0;
    }
    let ms = |ns: u64| ns as f64 / 1e6;
    let quantile = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    Some(Distribution {
        stage,
        count,
        backwards,
        min_ms: ms(min),
        p50_ms: quantile(0.50),
        p95_ms: quantile(0.95),
        p99_ms: quantile(0.99),
        max_ms: ms(max),
        mean_ms: (sum / u128::from(count.max(1))) as f64 / 1e6,
    })
}

/// `to - from` for the frames that have both; None for a stage that ran backwards, which
/// is counted, never clamped to zero.
fn stage<'a>(
    frames: &'a [FrameRecord],
    from: impl Fn(&FrameRecord) -> Option<u64> + 'a,
    to: impl Fn(&FrameRecord) -> Option<u64> + 'a,
) -> impl Iterator<Item = Option<u64>> + 'a {
    frames
        .iter()
        .filter_map(move |f| Some(to(f)?.checked_sub(from(f)?)))
}

fn intervals(times: Vec<u64>) -> impl Iterator<Item = Option<u64>> {
    let pairs: Vec<Option<u64>> = times.windows(2).map(|w| w[1].checked_sub(w[0])).collect();
    pairs.into_iter()
}

pub fn summarize(frames: &[FrameRecord], sequence_gaps: u64, timestamps_refused: u64) -> Summary {
    let shown: Vec<FrameRecord> = frames
        .iter()
        .filter(|f| f.fate == Fate::Presented)
        .cloned()
        .collect();
    let camera = |f: &FrameRecord| f.camera_ns;
    let dequeued = |f: &FrameRecord| Some(f.dequeued_ns);
    let committed = |f: &FrameRecord| f.committed_ns;
    let presented = |f: &FrameRecord| f.presented_ns;
    let requeued = |f: &FrameRecord| f.requeued_ns;
    let stages = [
        distribution("camera → dequeue", stage(&shown, camera, dequeued)),
        distribution("dequeue → commit", stage(&shown, dequeued, committed)),
        distribution("commit → present", stage(&shown, committed, presented)),
        distribution("camera → present", stage(&shown, camera, presented)),
        distribution("dequeue → present", stage(&shown, dequeued, presented)),
        distribution("dequeue → requeue", stage(&shown, dequeued, requeued)),
    ];
    let present_times = shown.iter().filter_map(presented).collect();
    let camera_times = frames.iter().filter_map(camera).collect();
    let interval_stats = [
        distribution("present interval", intervals(present_times)),
        distribution("camera interval", intervals(camera_times)),
    ];
    let count = |fate: Fate| frames.iter().filter(|f| f.fate == fate).count() as u64;
    Summary {
        frames_captured: frames.len() as u64,
        frames_presented: shown.len() as u64,
        stages: stages.into_iter().flatten().collect(),
        intervals: interval_stats.into_iter().flatten().collect(),
        drops: Drops {
            sequence_gaps,
            skipped: count(Fate::Skipped),
            discarded: count(Fate::Discarded),
            error: count(Fate::Error),
            unfinished: count(Fate::Unfinished),
        },
        camera_timestamps_refused: timestamps_refused,
    }
}

impl Summary {
    /// The table printed at the end of a bench.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<20} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8}  (ms)\n",
            "stage", "frames", "min", "p50", "p95", "p99", "max"
        );
        for d in self.stages.iter().chain(&self.intervals) {
            if d.count == 0 {
                out += &format!("{:<20} {:>6} {:>8}\n", d.stage, 0, "-");
                continue;
            }
            out += &format!(
                "{:<20} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}\n",
                d.stage, d.count, d.min_ms, d.p50_ms, d.p95_ms, d.p99_ms, d.max_ms
            );
        }
        for d in self.stages.iter().filter(|d| d.backwards > 0) {
            out += &format!(
                "{}: {} frames ran backwards and are left out (the timestamps are not real \
                 capture times)\n",
                d.stage, d.backwards
            );
        }
        if self.camera_timestamps_refused > 0 {
            out += &format!(
                "{} camera timestamps lay more than {} s from their DQBUF and are left out \
                 (a wrapped or offset clock, not capture times)\n",
                self.camera_timestamps_refused,
                super::record::MAX_TIMESTAMP_DISTANCE.as_secs()
            );
        }
        let d = self.drops;
        out += &format!(
            "dropped: {} lost by the driver (sequence gaps), {} skipped for a newer frame, \
             {} discarded by the compositor, {} error-flagged, {} unfinished at exit\n",
            d.sequence_gaps, d.skipped, d.discarded, d.error, d.unfinished
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(sequence: u32, camera: Option<u64>, times: [u64; 4], fate: Fate) -> FrameRecord {
        let ms = |t: u64| t * 1_000_000;
        FrameRecord {
            sequence,
            buffer: 0,
            camera_ns: camera.map(ms),
            dequeued_ns: ms(times[0]),
            committed_ns: Some(ms(times[1])),
            presented_ns: Some(ms(times[2])),
            presented_by_receipt: false,
            requeued_ns: Some(ms(times[3])),
            fate,
        }
    }

    #[test]
    fn stages_are_measured_on_presented_frames_only() {
        let frames = vec![
            frame(0, Some(0), [2, 3, 10, 40], Fate::Presented),
            frame(1, Some(33), [35, 36, 43, 73], Fate::Presented),
            frame(2, Some(66), [68, 0, 0, 70], Fate::Skipped),
            frame(3, Some(100), [102, 103, 110, 140], Fate::Presented),
        ];
        let s = summarize(&frames, 2, 0);
        assert_eq!(s.frames_captured, 4);
        assert_eq!(s.frames_presented, 3);
        let get = |name: &str| s.stages.iter().find(|d| d.stage == name).unwrap().clone();
        let close = |a: f64, b: f64| (a - b).abs() <= b * 0.001;
        assert!(close(get("camera → dequeue").p50_ms, 2.0));
        assert!(close(get("dequeue → present").p95_ms, 8.0));
        assert_eq!(get("commit → present").max_ms, 7.0);
        assert_eq!(get("camera → present").min_ms, 10.0);
        assert_eq!(get("camera → present").count, 3);
        let present = &s.intervals[0];
        assert_eq!(present.stage, "present interval");
        assert_eq!(
            (present.count, present.min_ms, present.max_ms),
            (2, 33.0, 67.0)
        );
        assert_eq!(s.drops.skipped, 1);
        assert_eq!(s.drops.sequence_gaps, 2);
        assert!(s.table().contains("1 skipped for a newer frame"));
    }

    #[test]
    fn without_camera_timestamps_the_camera_stages_are_absent_not_zero() {
        let frames = vec![frame(0, None, [2, 3, 10, 40], Fate::Presented)];
        let s = summarize(&frames, 0, 0);
        assert!(s.stages.iter().all(|d| !d.stage.starts_with("camera")));
        assert!(s.intervals.iter().all(|d| d.stage != "camera interval"));
    }

    #[test]
    fn a_stage_running_backwards_is_counted_and_left_out() {
        // Presented "before" the commit: a clock mix-up must not become a tiny latency.
        let frames = vec![
            frame(0, Some(0), [2, 30, 10, 40], Fate::Presented),
            frame(1, Some(33), [35, 36, 43, 73], Fate::Presented),
        ];
        let s = summarize(&frames, 0, 0);
        let d = s
            .stages
            .iter()
            .find(|d| d.stage == "commit → present")
            .unwrap();
        assert_eq!((d.count, d.backwards, d.min_ms), (1, 1, 7.0));
        assert!(s
            .table()
            .contains("commit → present: 1 frames ran backwards"));
    }
}
