//! Optical glass-to-glass: glasscam shows a marker square that flips black/white, the camera
//! looks at the screen, and each flip is timed from its own presentation to the presentation
//! of the first camera frame that shows it. Both ends are display presentation times, so no
//! two clocks meet. This module is the arithmetic: where the marker is in the camera image
//! (calibration), and which camera frame first shows each flip (measurement).

use std::collections::VecDeque;

/// The camera image is judged in square cells of this many pixels.
pub const CELL: u32 = 16;
/// Flips needed, of each colour, before the marker can be located.
pub const CALIBRATION_FLIPS: usize = 4;
/// Luma levels a cell must change by, white against black, to count as the marker.
const MIN_CONTRAST: f32 = 24.0;
/// Cells the marker must cover in the camera image: a lone cell that happens to follow
/// the marker (a changing digit of an overlay) is chance, not the marker.
const MIN_CELLS: usize = 4;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum G2gError {
    /// No part of the camera image follows the marker.
    #[error(
        "the camera does not see the marker: no block of its image changes with it (best \
         margin {best:.0} luma levels, {MIN_CONTRAST:.0} needed over {MIN_CELLS} cells or \
         more); point the camera at the screen's {corner} corner"
    )]
    NotSeen { best: f32, corner: &'static str },
    /// The marker's cells did not agree with the marker in every calibration frame.
    #[error("the marker region flickers: {wrong} of {total} calibration frames disagree with the marker; is the scene moving?")]
    Unsteady { wrong: usize, total: usize },
}

/// Mean luma per cell of one camera frame, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct CellLumas {
    pub columns: u32,
    pub rows: u32,
    pub luma: Vec<f32>,
}

impl CellLumas {
    /// Samples a frame through `luma_at(x, y)`: four points per cell, which is enough for a
    /// square the size of many cells and keeps the CPU cost to a few hundred reads a frame.
    pub fn sample(width: u32, height: u32, luma_at: impl Fn(u32, u32) -> u8) -> CellLumas {
        let (columns, rows) = (width / CELL, height / CELL);
        let mut luma = Vec::with_capacity((columns * rows) as usize);
        for row in 0..rows {
            for column in 0..columns {
                let (x0, y0) = (column * CELL, row * CELL);
                let points = [(1, 1), (3, 1), (1, 3), (3, 3)];
                let sum: u32 = points
                    .iter()
                    .map(|&(i, j)| u32::from(luma_at(x0 + i * CELL / 4, y0 + j * CELL / 4)))
                    .sum();
                luma.push(sum as f32 / points.len() as f32);
            }
        }
        CellLumas {
            columns,
            rows,
            luma,
        }
    }
}

/// Where the marker is in the camera image, and the luma that tells white from black.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerRegion {
    /// Indices into CellLumas::luma.
    pub cells: Vec<usize>,
    pub threshold: f32,
    /// The region's bounding box in camera pixels: x, y, width, height.
    pub bounds: (u32, u32, u32, u32),
}

impl MarkerRegion {
    /// The region's mean luma in `frame`.
    pub fn luma(&self, frame: &CellLumas) -> f32 {
        let sum: f32 = self.cells.iter().filter_map(|&c| frame.luma.get(c)).sum();
        sum / self.cells.len().max(1) as f32
    }

    /// Whether `frame` shows the marker white.
    pub fn shows_white(&self, frame: &CellLumas) -> bool {
        self.luma(frame) > self.threshold
    }
}

/// Camera frames seen while the marker held still long enough for the camera to see it.
#[derive(Debug, Default)]
pub struct Calibration {
    samples: Vec<(bool, CellLumas)>,
}

impl Calibration {
    /// A frame taken while the marker had been `white` for longer than any plausible latency.
    pub fn add(&mut self, white: bool, frame: CellLumas) {
        self.samples.push((white, frame));
    }

    pub fn has_enough(&self) -> bool {
        let whites = self.samples.iter().filter(|(w, _)| *w).count();
        whites >= CALIBRATION_FLIPS && self.samples.len() - whites >= CALIBRATION_FLIPS
    }

    /// The cells that follow the marker: those whose darkest white sample is brighter than
    /// their brightest black one by at least half the best such margin, provided that margin
    /// is clearly more than noise and the cells form a compact block.
    pub fn locate(&self, corner: &'static str) -> Result<MarkerRegion, G2gError> {
        let Some((_, first)) = self.samples.first() else {
            return Err(G2gError::NotSeen { best: 0.0, corner });
        };
        let count = first.luma.len();
        // The margin by which every white sample beats every black one: noise and a scene
        // that changes by itself both keep it low.
        let margin = self.margins(count);
        let best = margin.iter().copied().fold(0.0, f32::max);
        if best < MIN_CONTRAST {
            return Err(G2gError::NotSeen { best, corner });
        }
        let cells: Vec<usize> = (0..count).filter(|&c| margin[c] >= best / 2.0).collect();
        let bounds = cell_bounds(&cells, first.columns.max(1));
        let (_, _, w, h) = bounds;
        let box_cells = (w / CELL * h / CELL) as usize;
        if cells.len() < MIN_CELLS || cells.len() * 2 < box_cells {
            return Err(G2gError::NotSeen { best, corner });
        }
        let (white, black) = (
            self.mean_per_cell(true, count),
            self.mean_per_cell(false, count),
        );
        let mean = |v: &[f32]| cells.iter().map(|&c| v[c]).sum::<f32>() / cells.len() as f32;
        let region = MarkerRegion {
            threshold: (mean(&white) + mean(&black)) / 2.0,
            cells,
            bounds,
        };
        let wrong = self
            .samples
            .iter()
            .filter(|(w, f)| region.shows_white(f) != *w)
            .count();
        if wrong > 0 {
            return Err(G2gError::Unsteady {
                wrong,
                total: self.samples.len(),
            });
        }
        Ok(region)
    }

    /// The frames taken while the marker was `white`, on the first frame's grid of `count`
    /// cells.
    fn frames(&self, white: bool, count: usize) -> impl Iterator<Item = &CellLumas> + '_ {
        self.samples
            .iter()
            .filter(move |(w, f)| *w == white && f.luma.len() == count)
            .map(|(_, f)| f)
    }

    /// Each cell's mean luma over the frames of one colour.
    fn mean_per_cell(&self, white: bool, count: usize) -> Vec<f32> {
        let frames: Vec<&CellLumas> = self.frames(white, count).collect();
        (0..count)
            .map(|c| frames.iter().map(|f| f.luma[c]).sum::<f32>() / frames.len().max(1) as f32)
            .collect()
    }

    /// Each cell's darkest white sample less its brightest black one.
    fn margins(&self, count: usize) -> Vec<f32> {
        (0..count)
            .map(|c| {
                let darkest_white = self.frames(true, count).map(|f| f.luma[c]);
                let brightest_black = self.frames(false, count).map(|f| f.luma[c]);
                darkest_white.fold(f32::MAX, f32::min) - brightest_black.fold(f32::MIN, f32::max)
            })
            .collect()
    }
}

/// The bounding box of `cells` (indices into rows of `columns`) in camera pixels: x, y,
/// width, height; all zero when there are none.
fn cell_bounds(cells: &[usize], columns: u32) -> (u32, u32, u32, u32) {
    let (xs, ys): (Vec<u32>, Vec<u32>) = cells
        .iter()
        .map(|&c| (c as u32 % columns, c as u32 / columns))
        .unzip();
    let (x0, y0) = (xs.iter().min().copied(), ys.iter().min().copied());
    let (x1, y1) = (xs.iter().max().copied(), ys.iter().max().copied());
    match (x0, y0, x1, y1) {
        (Some(x0), Some(y0), Some(x1), Some(y1)) => (
            x0 * CELL,
            y0 * CELL,
            (x1 - x0 + 1) * CELL,
            (y1 - y0 + 1) * CELL,
        ),
        _ => (0, 0, 0, 0),
    }
}

/// Times each marker flip to the first presented camera frame that shows it.
#[derive(Debug, Default)]
pub struct Measurement {
    /// Flips presented and not yet seen, oldest first: (presentation ns, white).
    waiting: VecDeque<(u64, bool)>,
    /// Nanoseconds from each flip's presentation to its first sighting, in flip order.
    pub latencies_ns: Vec<u64>,
    /// Flips overtaken by the next flip before any camera frame showed them.
    pub missed: u64,
}

impl Measurement {
    /// The marker turned `white` on the glass at `presented_ns` (display clock).
    pub fn marker_presented(&mut self, presented_ns: u64, white: bool) {
        // A flip still waiting is overtaken: the next one reverses it, so no frame can
        // show it any more.
        self.missed += self.waiting.len() as u64;
        self.waiting.clear();
        self.waiting.push_back((presented_ns, white));
    }

    /// A camera frame that shows the marker `white` reached the glass at `presented_ns`.
    pub fn frame_presented(&mut self, presented_ns: u64, white: bool) {
        if let Some(&(flip_ns, flip_white)) = self.waiting.front() {
            if presented_ns > flip_ns && white == flip_white {
                self.latencies_ns.push(presented_ns - flip_ns);
                self.waiting.pop_front();
            }
        }
    }
}

/// The marker's colour and timing: calibration holds each colour for `hold_ms`, then
/// measurement flips after `hold_ms` plus a varying part, so that flips do not lock to the
/// camera's frame rate.
pub fn flip_delay_ms(hold_ms: u64, flip: u64) -> u64 {
    // A fixed scramble of the flip number: the same run every time, no phase lock.
    let jitter = (flip.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) % 8;
    hold_ms + jitter * hold_ms / 8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The simulated world: a 60 Hz display whose top-left 96x96 pixels are the marker, seen
    /// by a 30 fps camera with a given exposure, noise and pipeline delay, whose frames the
    /// viewer shows at the next vblank after they arrive.
    struct World {
        refresh_ns: u64,
        frame_ns: u64,
        exposure_ns: u64,
        /// From the end of a frame's exposure to its arrival in the viewer.
        delay_ns: u64,
        noise: f32,
        rng: u64,
        /// Marker presentations: (ns, white), in time order.
        marker: Vec<(u64, bool)>,
    }

    const WIDTH: u32 = 320;
    const HEIGHT: u32 = 240;
    const MARKER: u32 = 96;

    impl World {
        fn random(&mut self) -> f32 {
            // xorshift64: deterministic noise.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            (self.rng % 10_000) as f32 / 10_000.0 - 0.5
        }

        /// The next vblank at or after `t`.
        fn vblank_after(&self, t: u64) -> u64 {
            t.div_ceil(self.refresh_ns) * self.refresh_ns
        }

        /// The marker's share of white over [from, to): what an exposure integrates.
        fn white_share(&self, from: u64, to: u64) -> f32 {
            let mut white_ns = 0;
            for (i, &(start, white)) in self.marker.iter().enumerate() {
                let end = self.marker.get(i + 1).map_or(u64::MAX, |m| m.0);
                let (a, b) = (start.max(from), end.min(to));
                if white && b > a {
                    white_ns += b - a;
                }
            }
            white_ns as f32 / (to - from) as f32
        }

        /// The camera frame exposed over [start, start + exposure).
        fn capture(&mut self, start: u64) -> CellLumas {
            let share = self.white_share(start, start + self.exposure_ns);
            let marker_luma = 30.0 + share * 170.0;
            let noise: Vec<f32> = (0..(WIDTH * HEIGHT / 64))
                .map(|_| self.random() * self.noise)
                .collect();
            CellLumas::sample(WIDTH, HEIGHT, |x, y| {
                let scene = if x < MARKER && y < MARKER {
                    marker_luma
                } else {
                    // Colour bars behind it, like vivid's.
                    40.0 + (x / 40) as f32 * 25.0
                };
                let n = noise[((y / 8) * (WIDTH / 8) + x / 8) as usize];
                (scene + n).clamp(0.0, 255.0) as u8
            })
        }

        /// The truth for a flip at `t` to `white`: the presentation of the first frame whose
        /// exposure is mostly the new colour.
        fn truth(&self, t: u64, white: bool) -> u64 {
            let mut start = t.div_ceil(self.frame_ns) * self.frame_ns;
            start = start.saturating_sub(self.frame_ns);
            loop {
                let share = self.white_share(start, start + self.exposure_ns);
                if (share > 0.5) == white && start + self.exposure_ns > t {
                    let arrival = start + self.exposure_ns + self.delay_ns;
                    return self.vblank_after(arrival) - t;
                }
                start += self.frame_ns;
            }
        }
    }

    fn world(delay_ms: u64, exposure_ms: u64, noise: f32) -> World {
        World {
            refresh_ns: 16_666_667,
            frame_ns: 33_333_333,
            exposure_ns: exposure_ms * 1_000_000,
            delay_ns: delay_ms * 1_000_000,
            noise,
            rng: 0x1234_5678_9abc_def1,
            marker: Vec::new(),
        }
    }

    /// Runs calibration and then `flips` timed flips through the simulated world; returns
    /// the region found, the measurement, and the true latencies.
    fn run(w: &mut World, flips: u64) -> (MarkerRegion, Measurement, Vec<u64>) {
        let hold = 400_000_000;
        let mut calibration = Calibration::default();
        let mut t = w.vblank_after(1);
        let mut white = false;
        // Calibration: each colour held; the frame exposed just before the next flip sees it.
        while !calibration.has_enough() {
            white = !white;
            w.marker.push((t, white));
            let next = w.vblank_after(t + hold);
            let last_start = (next - w.exposure_ns) / w.frame_ns * w.frame_ns;
            let frame = w.capture(last_start);
            calibration.add(white, frame);
            t = next;
        }
        let region = calibration.locate("top-left").expect("the marker is found");
        // Measurement: schedule all flips, then replay camera frames in presentation order.
        let mut flip_times = Vec::new();
        for flip in 0..flips {
            white = !white;
            w.marker.push((t, white));
            flip_times.push((t, white));
            t = w.vblank_after(t + flip_delay_ms(400, flip) * 1_000_000);
        }
        let end = t;
        let mut events: Vec<(u64, Option<bool>, bool)> = flip_times
            .iter()
            .map(|&(t, white)| (t, None, white))
            .collect();
        let first = flip_times[0].0;
        let mut start = first.div_ceil(w.frame_ns) * w.frame_ns;
        while start + w.exposure_ns < end {
            let frame = w.capture(start);
            let shown = w.vblank_after(start + w.exposure_ns + w.delay_ns);
            events.push((shown, Some(region.shows_white(&frame)), false));
            start += w.frame_ns;
        }
        // At equal times the flip's event comes first, as a vblank shows both at once.
        events.sort_by_key(|&(t, frame, _)| (t, frame.is_some()));
        let mut measurement = Measurement::default();
        for (t, frame, white) in events {
            match frame {
                None => measurement.marker_presented(t, white),
                Some(seen) => measurement.frame_presented(t, seen),
            }
        }
        let truth = flip_times.iter().map(|&(t, wh)| w.truth(t, wh)).collect();
        (region, measurement, truth)
    }

    #[test]
    fn measured_latency_matches_the_simulated_camera_within_a_frame() {
        for (delay_ms, exposure_ms, noise) in [(60, 10, 12.0), (150, 30, 20.0), (20, 5, 4.0)] {
            let mut w = world(delay_ms, exposure_ms, noise);
            let (region, measurement, truth) = run(&mut w, 40);
            // The marker is the top-left 96x96 pixels: 6x6 cells.
            assert_eq!(region.bounds, (0, 0, 96, 96), "delay {delay_ms} ms");
            assert_eq!(measurement.missed, 0);
            assert_eq!(measurement.latencies_ns.len(), truth.len());
            for (measured, truth) in measurement.latencies_ns.iter().zip(&truth) {
                let error = measured.abs_diff(*truth);
                assert!(
                    error <= w.frame_ns,
                    "delay {delay_ms} ms: measured {measured} ns, simulated {truth} ns"
                );
            }
            // And the figure itself: at least the pipeline delay, at most one camera frame
            // plus exposure plus one refresh beyond it.
            let mut sorted = measurement.latencies_ns.clone();
            sorted.sort_unstable();
            let median = sorted[sorted.len() / 2];
            let delay = w.delay_ns + w.exposure_ns;
            assert!(
                (delay..=delay + w.frame_ns + w.refresh_ns).contains(&median),
                "median {median} ns for delay {delay_ms} ms + exposure {exposure_ms} ms"
            );
        }
    }

    #[test]
    fn a_camera_that_does_not_see_the_marker_is_told_so() {
        let mut w = world(60, 10, 8.0);
        let mut calibration = Calibration::default();
        for i in 0..8 {
            // The marker flips, but this camera looks elsewhere: it is never in the image.
            w.marker = vec![(0, false)];
            calibration.add(i % 2 == 0, w.capture(0));
        }
        assert!(calibration.has_enough());
        match calibration.locate("top-left") {
            Err(G2gError::NotSeen { best, .. }) => assert!(best < MIN_CONTRAST),
            other => panic!("expected NotSeen, got {other:?}"),
        }
    }

    #[test]
    fn a_lone_cell_that_happens_to_follow_the_marker_is_not_the_marker() {
        // A static scene with one overlay digit whose cell, by chance, went bright with
        // every white flip and dark with every black one.
        let mut calibration = Calibration::default();
        for i in 0..8 {
            let white = i % 2 == 0;
            let mut frame = CellLumas {
                columns: 20,
                rows: 15,
                luma: vec![100.0; 300],
            };
            frame.luma[23] = if white { 230.0 } else { 20.0 };
            calibration.add(white, frame);
        }
        assert!(matches!(
            calibration.locate("top-left"),
            Err(G2gError::NotSeen { best, .. }) if best > 200.0
        ));
    }

    #[test]
    fn a_flip_overtaken_before_it_is_seen_counts_as_missed() {
        let mut m = Measurement::default();
        m.marker_presented(100, true);
        m.frame_presented(150, false);
        m.marker_presented(200, false);
        m.frame_presented(250, false);
        m.frame_presented(260, true);
        assert_eq!(m.latencies_ns, vec![50]);
        assert_eq!(m.missed, 1);
    }

    #[test]
    fn flip_delays_vary_within_a_bound() {
        let delays: Vec<u64> = (0..64).map(|f| flip_delay_ms(400, f)).collect();
        assert!(delays.iter().all(|&d| (400..800).contains(&d)));
        let distinct: std::collections::HashSet<_> = delays.iter().collect();
        assert!(distinct.len() >= 4, "{delays:?}");
    }
}
