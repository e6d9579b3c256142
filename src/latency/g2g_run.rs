//! `bench --g2g` while the viewer runs: reads a grid of luma samples from every camera
//! frame, decides when the marker flips and to which colour, and hands both ends'
//! presentation times to the arithmetic in `g2g`.

use std::os::fd::AsFd;
use std::time::Duration;

use anyhow::{anyhow, bail};
use drm_fourcc::DrmFourcc;
use serde::Serialize;

use super::g2g::{flip_delay_ms, Calibration, CellLumas, G2gError, MarkerRegion, Measurement};
use super::report::{distribution, Distribution};
use crate::capture::{ExportedBuffer, StreamFormat};
use crate::dmabuf::map::{read_all, DmabufMap};
use crate::format::Chroma;

/// Where the marker is, for the "point the camera at" hint.
pub const CORNER: &str = "bottom-left";

/// Where pixel (x, y)'s luma byte is: in which memory plane, at offset + y·pitch + x·step + skew.
#[derive(Debug, Clone, Copy)]
struct LumaLayout {
    mem_plane: usize,
    offset: usize,
    pitch: usize,
    step: usize,
    skew: usize,
}

impl LumaLayout {
    /// Y of YUV formats, the grey level of GREY, green of 32-bit BGRX (a fair stand-in for
    /// luma when telling black from white).
    fn of(format: &StreamFormat) -> Option<LumaLayout> {
        let (step, skew) = match format.pixel.chroma() {
            Chroma::Packed(bytes) => (2, bytes.y),
            Chroma::SemiPlanar(_) | Chroma::Planar(_) => (1, 0),
            Chroma::None => match format.pixel.drm {
                DrmFourcc::R8 => (1, 0),
                // Bytes B, G, R, X: green is the second.
                DrmFourcc::Xrgb8888 | DrmFourcc::Argb8888 => (4, 1),
                _ => return None,
            },
        };
        let plane = format.layout.first()?;
        Some(LumaLayout {
            mem_plane: plane.mem_plane,
            offset: plane.offset as usize,
            pitch: plane.pitch as usize,
            step,
            skew,
        })
    }
}

enum Phase {
    Calibrating(Calibration),
    Measuring {
        region: MarkerRegion,
        measurement: Measurement,
    },
}

pub struct G2gRun {
    maps: Vec<Vec<DmabufMap>>,
    luma: LumaLayout,
    size: (u32, u32),
    /// The frame each camera buffer holds, sampled when it was dequeued.
    held: Vec<Option<CellLumas>>,
    /// The buffer of the newest frame dequeued: what calibration pairs with the colour held.
    newest: Option<usize>,
    white: bool,
    flips: u64,
    phase: Phase,
    refresh_ns: u32,
    frame_interval: Option<Duration>,
    /// How long a colour is held: longer than the glass-to-glass latency, or each flip is
    /// overtaken by the next. Measurement adds up to seven eighths of it at random.
    hold_ms: u64,
}

/// What `bench --g2g` measured.
#[derive(Debug, Serialize)]
pub struct G2gReport {
    /// From a marker flip's presentation to that of the first camera frame showing it.
    pub latency: Option<Distribution>,
    pub flips_measured: u64,
    /// Flips overtaken by the next before any camera frame showed them.
    pub flips_missed: u64,
    /// The marker in the camera image: x, y, width, height.
    pub marker_in_camera: Option<(u32, u32, u32, u32)>,
    /// The physical floor: one camera frame to expose and read out, and up to one refresh
    /// before the camera frame can be shown.
    pub camera_frame_ms: Option<f64>,
    pub refresh_ms: Option<f64>,
}

impl G2gRun {
    /// Maps the camera's buffers for reading; refuses formats whose luma it cannot find.
    pub fn new(
        buffers: &[ExportedBuffer],
        format: &StreamFormat,
        hold_ms: u64,
    ) -> anyhow::Result<G2gRun> {
        let Some(luma) = LumaLayout::of(format) else {
            bail!(
                "bench --g2g reads the marker from YUV, GREY or BGRX frames, not {}; pick one \
                 with --format",
                format.pixel.name()
            );
        };
        let maps = buffers
            .iter()
            .map(|b| {
                b.planes
                    .iter()
                    .map(|p| DmabufMap::read_only(p.fd.as_fd(), p.length as usize))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow!("bench --g2g cannot map the camera's buffers: {e}"))?;
        Ok(G2gRun {
            held: vec![None; maps.len()],
            maps,
            luma,
            size: (format.width, format.height),
            newest: None,
            white: false,
            flips: 0,
            phase: Phase::Calibrating(Calibration::default()),
            refresh_ns: 0,
            frame_interval: format.frame_interval(),
            hold_ms,
        })
    }

    /// Unmaps the camera's buffers, which the driver cannot free while they are mapped.
    pub fn unmap(&mut self) {
        self.maps.clear();
    }

    /// Samples the frame camera buffer `index` now holds.
    pub fn frame_dequeued(&mut self, index: usize) {
        let Some(planes) = self.maps.get(index) else {
            return;
        };
        let LumaLayout {
            mem_plane,
            offset,
            pitch,
            step,
            skew,
        } = self.luma;
        let (width, height) = self.size;
        let cells = read_all(planes, |mem| {
            let plane = mem.get(mem_plane).copied().unwrap_or_default();
            CellLumas::sample(width, height, |x, y| {
                let at = offset + y as usize * pitch + x as usize * step + skew;
                plane.get(at).copied().unwrap_or(0)
            })
        });
        if let Some(slot) = self.held.get_mut(index) {
            *slot = Some(cells);
            self.newest = Some(index);
        }
    }

    /// Time for the next flip: ends calibration once it has seen enough, and returns the new
    /// colour and how long to hold it. Fails when calibration cannot find the marker.
    pub fn flip(&mut self) -> Result<(bool, Duration), G2gError> {
        if let Phase::Calibrating(calibration) = &mut self.phase {
            // The colour held since the last flip has long been on the glass: the newest
            // frame shows it. The very first flip has no colour behind it.
            if self.flips > 0 {
                let newest = self.newest.take().and_then(|i| self.held.get(i)?.clone());
                if let Some(frame) = newest {
                    calibration.add(self.white, frame);
                }
            }
            if calibration.has_enough() {
                let region = calibration.locate(CORNER)?;
                tracing::info!(
                    "g2g: marker found in the camera image at {:?}",
                    region.bounds
                );
                self.phase = Phase::Measuring {
                    region,
                    measurement: Measurement::default(),
                };
            }
        }
        self.white = !self.white;
        self.flips += 1;
        tracing::debug!(
            "g2g: marker turns {}",
            if self.white { "white" } else { "black" }
        );
        let hold = match self.phase {
            Phase::Calibrating(_) => self.hold_ms,
            Phase::Measuring { .. } => flip_delay_ms(self.hold_ms, self.flips),
        };
        Ok((self.white, Duration::from_millis(hold)))
    }

    /// The marker's flip reached the glass.
    pub fn marker_presented(&mut self, time: Option<Duration>, white: bool, refresh_ns: u32) {
        self.refresh_ns = refresh_ns;
        if let (Phase::Measuring { measurement, .. }, Some(time)) = (&mut self.phase, time) {
            measurement.marker_presented(time.as_nanos() as u64, white);
        }
    }

    /// Camera buffer `index` reached the glass.
    pub fn frame_presented(&mut self, index: usize, time: Option<Duration>) {
        let frame = self.held.get(index).and_then(Option::as_ref);
        if let (
            Phase::Measuring {
                region,
                measurement,
            },
            Some(frame),
            Some(time),
        ) = (&mut self.phase, frame, time)
        {
            measurement.frame_presented(time.as_nanos() as u64, region.shows_white(frame));
        }
    }

    /// The report, or why there is none: calibration never finished.
    pub fn report(&self) -> Result<G2gReport, String> {
        let Phase::Measuring {
            region,
            measurement,
        } = &self.phase
        else {
            return Err(format!(
                "the run ended during calibration, after {} flips of {} ms",
                self.flips, self.hold_ms
            ));
        };
        let latency = distribution(
            "marker flip → camera frame showing it",
            measurement.latencies_ns.iter().map(|&ns| Some(ns)),
        );
        Ok(G2gReport {
            latency,
            flips_measured: measurement.latencies_ns.len() as u64,
            flips_missed: measurement.missed,
            marker_in_camera: Some(region.bounds),
            camera_frame_ms: self.frame_interval.map(|i| i.as_secs_f64() * 1000.0),
            refresh_ms: (self.refresh_ns > 0).then(|| f64::from(self.refresh_ns) / 1e6),
        })
    }
}

impl G2gReport {
    /// The report's lines for the bench table.
    pub fn table(&self) -> String {
        let ms = |v: Option<f64>| v.map_or("unknown".into(), |v| format!("{v:.1} ms"));
        let mut out = String::from("glass-to-glass (optical, display clock at both ends):\n");
        match &self.latency {
            Some(d) => out.push_str(&format!(
                "  {} flips: min {:.1}  p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1} ms\n",
                d.count, d.min_ms, d.p50_ms, d.p95_ms, d.p99_ms, d.max_ms
            )),
            None => out.push_str("  no flip was seen by the camera\n"),
        }
        out.push_str(&format!(
            "  missed flips: {}; floor: one camera frame ({}) + up to one refresh ({})\n",
            self.flips_missed,
            ms(self.camera_frame_ms),
            ms(self.refresh_ms)
        ));
        out
    }
}
