//! Opening the two ends: the camera (or file) configured in a format the display takes, its
//! buffers exported, and the path that carries them to the display.

use anyhow::{anyhow, bail};

use crate::capture::{
    mjpeg_camera, Camera, CaptureError, ExportedBuffer, FileSource, FormatRequest, MjpegCamera,
    Source, Stream, StreamFormat,
};
use crate::cli::{Backend, Cli, Command};
use crate::display::{Display, Target};
use crate::dmabuf::{Allocator, FrameMemory};
use crate::format::{fourcc_name, PixelFormat};
use crate::path::import::{CameraMemory, FixedMemory, MemoryChoice};
use crate::path::ladder::{self, Request};
use crate::path::FramePath;
use crate::path::Rung;

/// Buffers beyond what the display holds: one being filled, one pending.
const CAPTURE_HEADROOM: usize = 2;
const MIN_BUFFERS: usize = 4;

/// Both ends, connected: frames can flow once the camera's buffers are queued.
pub struct Opened {
    pub path: FramePath,
    /// What the ladder was asked, for a step down while streaming.
    pub request: Request,
    pub exported: Vec<ExportedBuffer>,
    pub source: Source,
    pub format: StreamFormat,
    /// The source as the start-up line names it.
    pub device: String,
}

/// Opens the camera (or --input file) and the display, and connects them on a rung.
pub fn open(cli: &Cli, backend: Backend) -> anyhow::Result<Opened> {
    let (request_source, input) = match &cli.input {
        Some(input) => (input.clone(), true),
        None => (cli.device.clone(), false),
    };
    let mut request = Request {
        target: target(cli, backend),
        choice: cli.path,
        g2g: matches!(&cli.command, Some(Command::Bench(bench)) if bench.g2g),
        source: request_source,
        decoded: input,
        memory: cli.memory,
        view: cli.view(),
    };
    let (opened, mut source, mut exported, mut format, device) = if input {
        open_file(cli, &request)?
    } else {
        open_camera(cli, &mut request)?
    };
    let count = buffer_count(&opened.display);
    let mut path = match &mut source {
        Source::Camera(stream) => {
            let mut camera = CameraEnd {
                stream,
                exported: &mut exported,
                format: &mut format,
                count,
            };
            ladder::connect(&request, opened, &mut camera)?
        }
        _ => {
            let mut fixed = FixedMemory {
                exported: &exported,
                format: &format,
            };
            ladder::connect(&request, opened, &mut fixed)?
        }
    };
    path.set_title(&format!(
        "glasscam: {device} {} {}x{}",
        format.pixel.name(),
        format.width,
        format.height
    ));
    Ok(Opened {
        path,
        request,
        exported,
        source,
        format,
        device,
    })
}

/// A camera's stream and the buffers frames arrive in, which import mode moves into the
/// display's memory (the format's row lengths too, where the display aligns its rows).
pub(super) struct CameraEnd<'a> {
    pub stream: &'a mut Stream,
    pub exported: &'a mut Vec<ExportedBuffer>,
    pub format: &'a mut StreamFormat,
    pub count: usize,
}

impl CameraMemory for CameraEnd<'_> {
    fn exported(&self) -> &[ExportedBuffer] {
        self.exported
    }

    fn format(&self) -> &StreamFormat {
        self.format
    }

    fn take_display_memory(&mut self, display: &mut Display) -> anyhow::Result<()> {
        let (allocator, buffers) = display.camera_memory(&self.format.mem_planes, self.count)?;
        self.exported.clear();
        let given = self.give(buffers, allocator);
        if given.is_err() {
            *self.exported = self.stream.use_camera_memory(self.count as u32)?;
        }
        given
    }
}

impl CameraEnd<'_> {
    /// Gives the camera the display's buffers; where their rows are longer than the
    /// camera's, the camera is asked for rows that long first, in one line.
    fn give(&mut self, buffers: Vec<Vec<FrameMemory>>, allocator: Allocator) -> anyhow::Result<()> {
        let rows = |pitches: &mut dyn Iterator<Item = u32>| {
            pitches.map(|p| p.to_string()).collect::<Vec<_>>().join("/")
        };
        let display_rows = rows(&mut buffers.iter().take(1).flatten().map(|m| m.pitch));
        let camera_rows = rows(&mut self.format.mem_planes.iter().map(|p| p.0));
        if display_rows != camera_rows {
            let pitches: Vec<u32> = buffers.iter().take(1).flatten().map(|m| m.pitch).collect();
            *self.format = self.stream.ask_row_lengths(self.format, &pitches)?;
            say!(
                "glasscam: the display's buffers have rows of {display_rows} bytes, the camera's \
                 {camera_rows}; asked for theirs, it writes {}",
                rows(&mut self.format.mem_planes.iter().map(|p| p.0))
            );
        }
        *self.exported = self.stream.use_display_memory(buffers, allocator)?;
        Ok(())
    }
}

fn target(cli: &Cli, backend: Backend) -> Target {
    match backend {
        Backend::Wayland => Target::Wayland {
            fullscreen: cli.fullscreen,
        },
        _ => Target::Kms {
            card: cli.card.clone(),
            connector: cli.connector.clone(),
        },
    }
}

type Ends = (
    ladder::Opened,
    Source,
    Vec<ExportedBuffer>,
    StreamFormat,
    String,
);

/// Buffers to ask the camera for: what the display may hold, and headroom.
pub(super) fn buffer_count(display: &Display) -> usize {
    MIN_BUFFERS.max(display.buffers_held() + CAPTURE_HEADROOM)
}

/// The camera, configured, with its buffers exported, and the display that will show it.
fn open_camera(cli: &Cli, request: &mut Request) -> anyhow::Result<Ends> {
    let camera = Camera::open(&cli.device)?;
    camera.apply_controls(&cli.controls)?;
    if let Some(fourcc) = mjpeg_choice(&camera, cli)? {
        request.decoded = true;
        return open_mjpeg_camera(cli, request, camera, fourcc);
    }
    let candidates = candidate_formats(&camera, cli.format.map(|f| f.0))?;
    let opened = ladder::open(request, &candidates)?;
    let pixel = opened.camera_format;
    let size = frame_size(cli, &opened.display, &camera, pixel.v4l2);
    let format = camera.configure(FormatRequest {
        fourcc: Some(pixel.v4l2),
        size,
        fps: cli.fps,
    })?;
    let count = buffer_count(&opened.display);
    let device = format!("{} ({})", camera.path.display(), camera.card);
    // --memory dmabuf: the camera's own buffers are never asked for (a driver that refuses
    // DMABUF memory gets them once it has said so).
    if opened.rung == Rung::Direct && request.memory == MemoryChoice::Dmabuf {
        let stream = Stream::without_buffers(camera, format.mem_planes.clone())?;
        return Ok((opened, Source::Camera(stream), Vec::new(), format, device));
    }
    let (stream, exported) = Stream::allocate(camera, format.mem_planes.clone(), count as u32)?;
    Ok((opened, Source::Camera(stream), exported, format, device))
}

/// A camera sending MJPEG, decoded into XRGB8888 dmabufs the display takes.
fn open_mjpeg_camera(
    cli: &Cli,
    request: &Request,
    camera: Camera,
    fourcc: u32,
) -> anyhow::Result<Ends> {
    let mut opened = ladder::open(request, &[PixelFormat::xrgb8888()])?;
    let count = buffer_count(&opened.display);
    let format_request = FormatRequest {
        fourcc: Some(fourcc),
        size: frame_size(cli, &opened.display, &camera, fourcc),
        fps: cli.fps,
    };
    let device = format!(
        "{} ({}, {} decoded)",
        camera.path.display(),
        camera.card,
        fourcc_name(fourcc)
    );
    let (source, exported, format) =
        MjpegCamera::open(camera, format_request, count, &mut opened.display)?;
    Ok((opened, Source::Mjpeg(source), exported, format, device))
}

/// An MJPEG file played at --fps (24 unless given), decoded into XRGB8888 dmabufs.
fn open_file(cli: &Cli, request: &Request) -> anyhow::Result<Ends> {
    let input = &request.source;
    let mut opened = ladder::open(request, &[PixelFormat::xrgb8888()])?;
    let count = buffer_count(&opened.display);
    let fps = cli.fps.unwrap_or(24);
    let (file, exported, format) = FileSource::open(input, fps, count, &mut opened.display)?;
    let device = format!("{} (MJPEG, {} frames)", input.display(), file.frame_count());
    Ok((opened, Source::File(file), exported, format, device))
}

/// The size asked for; else the display's own, if the camera has it (no scaling needed).
fn frame_size(cli: &Cli, display: &Display, camera: &Camera, fourcc: u32) -> Option<(u32, u32)> {
    cli.size.map(|s| (s.width, s.height)).or_else(|| {
        let (w, h) = display.natural_size()?;
        camera
            .frame_sizes(fourcc)
            .iter()
            .any(|s| s.contains(w, h))
            .then_some((w, h))
    })
}

/// The formats to try, best first: the one asked for, else the camera's current one and then
/// the rest in the driver's order, keeping only those a display can take directly.
fn candidate_formats(camera: &Camera, wanted: Option<u32>) -> anyhow::Result<Vec<PixelFormat>> {
    let offered = camera.formats()?;
    let names = || {
        offered
            .iter()
            .map(|(f, _)| fourcc_name(*f))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if let Some(wanted) = wanted {
        if !offered.iter().any(|(f, _)| *f == wanted) {
            return Err(CaptureError::NoSuchFormat {
                path: camera.path.clone(),
                wanted: fourcc_name(wanted),
                available: names(),
            }
            .into());
        }
        let pixel = PixelFormat::from_v4l2(wanted).ok_or_else(|| {
            anyhow!(
                "glasscam cannot show {} yet: no display format matches it and it cannot convert it",
                fourcc_name(wanted)
            )
        })?;
        return Ok(vec![pixel]);
    }
    let current = camera.current_fourcc().ok();
    let mut codes: Vec<u32> = offered.iter().map(|(f, _)| *f).collect();
    codes.sort_by_key(|&f| Some(f) != current);
    let candidates: Vec<PixelFormat> = codes
        .into_iter()
        .filter_map(PixelFormat::from_v4l2)
        .collect();
    if candidates.is_empty() {
        bail!(
            "{} offers no format glasscam can show or convert ({})",
            camera.path.display(),
            names()
        );
    }
    Ok(candidates)
}

/// MJPEG when asked for, when the camera offers nothing glasscam shows uncompressed, or when
/// only MJPEG has the size asked for: webcams often send HD sizes only as MJPEG.
fn mjpeg_choice(camera: &Camera, cli: &Cli) -> anyhow::Result<Option<u32>> {
    let offered: Vec<u32> = camera.formats()?.into_iter().map(|(f, _)| f).collect();
    let is_offered_mjpeg = |f: &u32| mjpeg_camera::FOURCCS.contains(f) && offered.contains(f);
    if let Some(wanted) = cli.format {
        return Ok(Some(wanted.0).filter(is_offered_mjpeg));
    }
    let Some(mjpeg) = offered.iter().copied().find(is_offered_mjpeg) else {
        return Ok(None);
    };
    let uncompressed: Vec<u32> = offered
        .iter()
        .copied()
        .filter(|&f| PixelFormat::from_v4l2(f).is_some())
        .collect();
    let has_size = |fourcc: u32, (w, h): (u32, u32)| {
        camera.frame_sizes(fourcc).iter().any(|s| s.contains(w, h))
    };
    let only_mjpeg_has_size = cli.size.is_some_and(|s| {
        let size = (s.width, s.height);
        has_size(mjpeg, size) && !uncompressed.iter().any(|&f| has_size(f, size))
    });
    Ok((uncompressed.is_empty() || only_mjpeg_has_size).then_some(mjpeg))
}
