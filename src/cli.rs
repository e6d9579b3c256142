//! Command-line options: the interface scripts and tests rely on.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::capture::ControlSetting;
use crate::format::{fourcc_name, parse_fourcc};
use crate::path::import::MemoryChoice;
use crate::path::PathChoice;
use crate::view::{Rect, Transform, View};

#[derive(Debug, Parser)]
#[command(
    name = "glasscam",
    version,
    about = "Shows a V4L2 camera on a display without copying frames"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// V4L2 capture device.
    #[arg(long, global = true, default_value = "/dev/video0")]
    pub device: PathBuf,

    /// Play a file of concatenated JPEG frames (MJPEG) at --fps instead of a camera.
    #[arg(long, global = true)]
    pub input: Option<PathBuf>,

    /// Display backend: auto picks Wayland when WAYLAND_DISPLAY is set, KMS otherwise.
    #[arg(long, global = true, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,

    /// The rung frames take to the display: direct (the camera's dmabufs), copy (CPU
    /// conversion), gpu; auto steps down from direct when the display refuses the format.
    #[arg(long, global = true, value_enum, default_value_t = PathChoice::Auto)]
    pub path: PathChoice,

    /// Whose buffers the camera fills on the direct rung: mmap (the camera's own), dmabuf
    /// (the display's: import mode), auto (the camera's, else the display's where the display
    /// refuses those, before stepping down to gpu).
    #[arg(long, global = true, value_enum, default_value_t = MemoryChoice::Auto)]
    pub memory: MemoryChoice,

    /// V4L2 pixel format as v4l2-ctl prints it (YUYV, NV12, BGR4, ...).
    #[arg(long, global = true, value_parser = parse_format)]
    pub format: Option<Fourcc>,

    /// Set a camera control before streaming, NAME=VALUE with names as `--list` (and
    /// v4l2-ctl) prints them; a menu takes an item's number or label. Repeatable, applied in
    /// order.
    #[arg(
        long = "control",
        global = true,
        value_name = "NAME=VALUE",
        conflicts_with = "input"
    )]
    pub controls: Vec<ControlSetting>,

    /// Frame size, WIDTHxHEIGHT.
    #[arg(long, global = true, value_parser = parse_size)]
    pub size: Option<Size>,

    /// Frames per second to ask the camera for (default: the highest it lists for the
    /// format and size).
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub fps: Option<u32>,

    /// Exit after this many frames were presented.
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub frames: Option<u64>,

    /// DRM card for the KMS backend (default: the first with a connected connector).
    #[arg(long, global = true)]
    pub card: Option<PathBuf>,

    /// Connector for the KMS backend, as named by the kernel (e.g. HDMI-A-1, VGA-1).
    #[arg(long, global = true)]
    pub connector: Option<String>,

    /// Wayland: start fullscreen (F toggles, Q or Escape quits).
    #[arg(long, global = true)]
    pub fullscreen: bool,

    /// Which way up: normal, 90, 180, 270 (counter-clockwise, as wl_output and DRM count),
    /// flipped (mirrored left to right), flipped-90, flipped-180, flipped-270. Done by the
    /// display where it can (zero copy), else by the gpu rung.
    #[arg(long, global = true, value_enum, default_value_t = Transform::Normal)]
    pub transform: Transform,

    /// Show only this part of the camera's frame, X,Y,WIDTH,HEIGHT in its pixels, scaled to
    /// the display.
    #[arg(long, global = true, value_name = "X,Y,W,H")]
    pub crop: Option<Rect>,

    /// Fill the display: cut the picture to its aspect ratio instead of bars beside it.
    #[arg(long, global = true)]
    pub fill: bool,

    /// Keep running when the camera is disconnected: show black, and stream again when the
    /// same camera (by driver, card and bus, not node number) is back.
    #[arg(long, global = true)]
    pub persistent: bool,

    /// Where S writes snapshots (PNG, the camera's size); default the XDG pictures
    /// directory (~/Pictures), else the current one.
    #[arg(long, global = true, value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,

    /// Read key presses from FILE (a FIFO made with mkfifo), one character each, as the
    /// window takes them: s snapshot, c next camera, z next size, m mirror, r turn, + and -
    /// zoom, q quit. For scripts, and for the console, which has no window.
    #[arg(long, global = true, value_name = "FILE")]
    pub keys: Option<PathBuf>,

    /// Write run statistics as JSON to this file at exit.
    #[arg(long, global = true)]
    pub stats: Option<PathBuf>,

    /// List V4L2 devices with their formats, sizes and frame intervals, then exit.
    #[arg(long, global = true)]
    pub list: bool,
}

impl Cli {
    /// What of the frame to show, and which way up.
    pub fn view(&self) -> View {
        View {
            transform: self.transform,
            crop: self.crop,
            fill: self.fill,
            ..View::default()
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the viewer and measure where the time between camera and glass goes: per-frame
    /// timestamps, latency distributions, frame-interval jitter, drops by cause.
    Bench(BenchArgs),
    /// Print the man page (man) or a shell's completions (bash, zsh, fish, elvish) made from
    /// these options, for packaging (dist/install.sh).
    #[command(hide = true)]
    Generate {
        #[arg(value_enum)]
        what: Generated,
    },
}

/// What `glasscam generate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Generated {
    Man,
    Bash,
    Zsh,
    Fish,
    Elvish,
}

impl Generated {
    /// Writes it to stdout.
    pub fn print(self) -> std::io::Result<()> {
        let mut command = <Cli as clap::CommandFactory>::command();
        let mut out = std::io::stdout().lock();
        let shell = match self {
            Generated::Man => return clap_mangen::Man::new(command).render(&mut out),
            Generated::Bash => clap_complete::Shell::Bash,
            Generated::Zsh => clap_complete::Shell::Zsh,
            Generated::Fish => clap_complete::Shell::Fish,
            Generated::Elvish => clap_complete::Shell::Elvish,
        };
        clap_complete::generate(shell, &mut command, "glasscam", &mut out);
        Ok(())
    }
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Write every frame's timestamps and the summary as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,

    /// Draw the latency distributions and a timeline as SVG to this file.
    #[arg(long)]
    pub plot: Option<PathBuf>,

    /// Optical glass-to-glass: show a flipping marker in the picture's bottom-left corner,
    /// point the camera at it, and time each flip to the first camera frame showing it.
    #[arg(long)]
    pub g2g: bool,

    /// How long (ms) the g2g marker holds a colour: more than the glass-to-glass latency.
    /// Measurement holds each flip up to 7/8 longer, at random.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub g2g_hold: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    Auto,
    Kms,
    Wayland,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fourcc(pub u32);

impl std::fmt::Display for Fourcc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&fourcc_name(self.0))
    }
}

fn parse_format(text: &str) -> Result<Fourcc, String> {
    parse_fourcc(text).map(Fourcc).ok_or_else(|| {
        format!("'{text}' is not a fourcc: give 1 to 4 printable characters, e.g. YUYV")
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

impl FromStr for Size {
    type Err = String;

    fn from_str(text: &str) -> Result<Size, String> {
        let bad = || format!("'{text}' is not a size: expected WIDTHxHEIGHT, e.g. 640x480");
        let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
        let width: u32 = w.trim().parse().map_err(|_| bad())?;
        let height: u32 = h.trim().parse().map_err(|_| bad())?;
        if width == 0 || height == 0 || width > 16384 || height > 16384 {
            return Err(format!(
                "size {width}x{height} is out of range: each side must be 1 to 16384"
            ));
        }
        Ok(Size { width, height })
    }
}

fn parse_size(text: &str) -> Result<Size, String> {
    text.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("glasscam").chain(args.iter().copied()))
    }

    #[test]
    fn the_documented_options_parse() {
        let cli = parse(&[
            "--device",
            "/dev/video3",
            "--backend",
            "kms",
            "--format",
            "BGR4",
            "--size",
            "640x480",
            "--fps",
            "30",
            "--frames",
            "100",
            "--card",
            "/dev/dri/card0",
            "--connector",
            "VGA-1",
            "--stats",
            "/tmp/s.json",
        ])
        .unwrap();
        assert_eq!(cli.backend, Backend::Kms);
        assert_eq!(cli.format.unwrap().to_string(), "BGR4");
        assert_eq!(
            cli.size,
            Some(Size {
                width: 640,
                height: 480
            })
        );
        assert_eq!(cli.fps, Some(30));
        assert_eq!(cli.frames, Some(100));
        assert_eq!(cli.connector.as_deref(), Some("VGA-1"));
    }

    #[test]
    fn bench_takes_the_viewer_options_after_it() {
        let cli = parse(&[
            "bench",
            "--device",
            "/dev/video2",
            "--frames",
            "300",
            "--json",
            "b.json",
            "--plot",
            "b.svg",
        ])
        .unwrap();
        let Some(Command::Bench(bench)) = &cli.command else {
            panic!("no bench: {cli:?}");
        };
        assert_eq!(cli.device, PathBuf::from("/dev/video2"));
        assert_eq!(cli.frames, Some(300));
        assert_eq!(bench.json.as_deref(), Some(std::path::Path::new("b.json")));
        assert_eq!(bench.plot.as_deref(), Some(std::path::Path::new("b.svg")));
        assert!(
            parse(&["--json", "b.json"]).is_err(),
            "--json is a bench option"
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for args in [
            &["--size", "0x0"][..],
            &["--size", "640"],
            &["--size", "axb"],
            &["--fps", "0"],
            &["--frames", "0"],
            &["--format", "TOOLONG"],
            &["--backend", "x11"],
        ] {
            assert!(parse(args).is_err(), "{args:?} was accepted");
        }
    }
}
