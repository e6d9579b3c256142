//! The in-process fixture for rig tests: boots a scenario in the QEMU guest and reads back
//! what it left in its output folder (screendumps, logs, stats).

#![allow(dead_code)] // Each test binary uses a different part of the fixture.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// One guest at a time: two TCG guests on two cores would each run at half speed.
static GUEST: Mutex<()> = Mutex::new(());

pub struct Scenario {
    pub out: PathBuf,
}

/// Boots the rig with `rig/scenarios/NAME.sh`, glasscam shared at /opt/glasscam and
/// assets/ at /opt/assets.
/// Panics (fails the test) when the rig cannot run: rig tests never skip silently.
pub fn run_scenario(name: &str, kernel_args: &str) -> Scenario {
    let _guard = GUEST.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rig")
        .join(name);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_glasscam")).parent().unwrap();
    let status = Command::new(root.join("rig/rig"))
        .arg("run")
        .arg("--out")
        .arg(&out)
        .arg("--share")
        .arg(format!("{}:/opt/glasscam", bin_dir.display()))
        .arg("--share")
        .arg(format!("{}:/opt/assets", root.join("assets").display()))
        .arg("--append")
        .arg(kernel_args)
        .arg("--timeout")
        .arg("600")
        .arg(root.join("rig/scenarios").join(format!("{name}.sh")))
        .stdout(std::fs::File::create(out.join("rig.stdout")).unwrap())
        .status()
        .expect("rig/rig could not be started (is python3 installed?)");
    assert!(
        status.success(),
        "rig scenario {name} failed ({status}); see {}",
        out.display()
    );
    Scenario { out }
}

impl Scenario {
    pub fn text(&self, file: &str) -> String {
        std::fs::read_to_string(self.out.join(file))
            .unwrap_or_else(|e| panic!("{}: {e}", self.out.join(file).display()))
    }

    /// glasscam's exit code in the guest.
    pub fn exit_code(&self, run: &str) -> i32 {
        self.text(&format!("{run}.rc")).trim().parse().unwrap()
    }

    /// What run `run` wrote to stderr.
    pub fn log(&self, run: &str) -> String {
        self.text(&format!("{run}.log"))
    }

    /// Asserts run `run` exited 0; returns its log.
    pub fn assert_exit_ok(&self, run: &str) -> String {
        let log = self.log(run);
        assert_eq!(self.exit_code(run), 0, "{run}: {log}");
        log
    }

    /// Asserts run `run` exited 0 and presented `frames` frames on `path`; returns its stats.
    pub fn assert_streamed(&self, run: &str, path: &str, frames: u64) -> serde_json::Value {
        self.assert_exit_ok(run);
        let stats = self.stats(run);
        assert_eq!(stats["path"], path, "{stats}");
        assert_eq!(stats["frames_presented"], frames, "{stats}");
        stats
    }

    /// The same, and not one byte copied on the way; returns its stats.
    pub fn assert_streamed_without_copies(
        &self,
        run: &str,
        path: &str,
        frames: u64,
    ) -> serde_json::Value {
        let stats = self.assert_streamed(run, path, frames);
        assert_eq!(stats["bytes_copied"], 0, "{stats}");
        stats
    }

    /// Asserts run `run` exited with `code`, its last line glasscam's error line holding
    /// `words`, and no panic; returns its log.
    pub fn assert_ended_in_error(&self, run: &str, code: i32, words: &[&str]) -> String {
        let log = self.log(run);
        assert_eq!(self.exit_code(run), code, "{run}: {log}");
        let last = log.lines().last().unwrap_or_default();
        assert!(last.starts_with("glasscam: error: "), "{run}: {log}");
        for word in words {
            assert!(last.contains(word), "{run}: '{word}' missing from: {log}");
        }
        assert!(!log.contains("panicked"), "{run}: {log}");
        log
    }

    /// Asserts run `run` exited with `code` and ended in glasscam's error line holding
    /// `words`, with `lines` lines of stderr in all and no panic.
    pub fn assert_error(&self, run: &str, code: i32, lines: usize, words: &[&str]) {
        let log = self.assert_ended_in_error(run, code, words);
        assert_eq!(log.lines().count(), lines, "{run}: {log}");
    }

    /// Asserts screendump `after` is screendump `before` (under 1% of pixels differ): what
    /// was on the screen came back; `what` says otherwise.
    pub fn assert_screen_back(&self, before: &str, after: &str, what: &str) {
        let (before, after) = (self.screendump(before), self.screendump(after));
        assert!(after.difference(&before) < 0.01, "{what}");
    }

    pub fn stats(&self, run: &str) -> serde_json::Value {
        serde_json::from_str(&self.text(&format!("{run}.stats.json"))).unwrap()
    }

    pub fn screendump(&self, name: &str) -> Image {
        Image::read_ppm(&self.out.join(format!("{name}.ppm")))
    }

    /// A weston screenshot (wayland-lib.sh's wayland_screenshot).
    pub fn screenshot(&self, name: &str) -> Image {
        Image::read_png(&self.out.join(format!("{name}.png")))
    }
}

/// An RGB picture from a QEMU screendump (binary PPM).
pub struct Image {
    pub width: usize,
    pub height: usize,
    pixels: Vec<u8>,
}

impl Image {
    pub fn read_ppm(path: &Path) -> Image {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut fields = Vec::new();
        let mut at = 0;
        // Header: "P6", width, height, maxval, each separated by whitespace.
        while fields.len() < 4 {
            while data[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !data[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8_lossy(&data[start..at]).into_owned());
        }
        assert_eq!(fields[0], "P6", "{} is not a binary PPM", path.display());
        assert_eq!(fields[3], "255");
        let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        let pixels = data[at + 1..].to_vec();
        assert_eq!(
            pixels.len(),
            width * height * 3,
            "{} is truncated",
            path.display()
        );
        Image {
            width,
            height,
            pixels,
        }
    }

    pub fn read_png(path: &Path) -> Image {
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        assert!(channels >= 3, "{}: not an RGB picture", path.display());
        let pixels = buf[..info.buffer_size()]
            .chunks(channels)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        Image {
            width: info.width as usize,
            height: info.height as usize,
            pixels,
        }
    }

    pub fn rgb(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let i = (y * self.width + x) * 3;
        (self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])
    }

    /// Fraction of pixels that differ from `other` (which must have the same size).
    pub fn difference(&self, other: &Image) -> f64 {
        assert_eq!((self.width, self.height), (other.width, other.height));
        let differing = self
            .pixels
            .chunks(3)
            .zip(other.pixels.chunks(3))
            .filter(|(a, b)| a != b)
            .count();
        differing as f64 / (self.width * self.height) as f64
    }

    /// Fails the test unless the colour bars fill `area` (bar_errors finds none).
    pub fn assert_bars(&self, area: (usize, usize, usize, usize), what: &str) {
        let errors = self.bar_errors(area);
        assert!(errors.is_empty(), "{what}: no colour bars: {errors:?}");
    }

    /// The same over the whole picture.
    pub fn assert_bars_everywhere(&self, what: &str) {
        self.assert_bars((0, 0, self.width, self.height), what);
    }

    /// Checks vivid's eight 75% colour bars at their centres, on a row below the text overlay.
    /// `area` is (x, y, width, height) of the picture inside the screendump.
    pub fn bar_errors(&self, area: (usize, usize, usize, usize)) -> Vec<String> {
        self.laid_bar_errors(area, Bars::Columns)
    }

    /// Fails the test unless the colour bars fill `area`, laid out as `bars`.
    pub fn assert_laid_bars(&self, area: (usize, usize, usize, usize), bars: Bars, what: &str) {
        let errors = self.laid_bar_errors(area, bars);
        assert!(
            errors.is_empty(),
            "{what}: no {bars:?} colour bars: {errors:?}"
        );
    }

    /// Whether the pixel at x, y is one of the bars' colours: each channel lit (75%) or
    /// dark, as `lit` says.
    pub fn is_bar_colour(&self, (x, y): (usize, usize), lit: [bool; 3]) -> bool {
        let (r, g, b) = self.rgb(x, y);
        [r, g, b]
            .iter()
            .zip(lit)
            .all(|(&v, lit)| if lit { v.abs_diff(191) <= 16 } else { v <= 16 })
    }

    /// Fails unless the pixel at `at` is the bar colour `lit` (see is_bar_colour).
    pub fn assert_bar_colour(&self, at: (usize, usize), lit: [bool; 3], what: &str) {
        assert!(
            self.is_bar_colour(at, lit),
            "{what} at {at:?}: {:?}",
            self.rgb(at.0, at.1)
        );
    }

    /// The bars laid out as `bars` says: columns left to right in vivid's order (white
    /// first) or reversed (mirrored), or rows from top to bottom, white last or first (a
    /// quarter turn either way), sampled across the picture away from the text overlay.
    pub fn laid_bar_errors(&self, area: (usize, usize, usize, usize), bars: Bars) -> Vec<String> {
        // 75% of full scale is 191; white, yellow, cyan, green, magenta, red, blue, black.
        const BARS: [(&str, [bool; 3]); 8] = [
            ("white", [true, true, true]),
            ("yellow", [true, true, false]),
            ("cyan", [false, true, true]),
            ("green", [false, true, false]),
            ("magenta", [true, false, true]),
            ("red", [true, false, false]),
            ("blue", [false, false, true]),
            ("black", [false, false, false]),
        ];
        let (x0, y0, w, h) = area;
        let mut errors = Vec::new();
        for (i, (name, on)) in BARS.iter().enumerate() {
            let (x, y) = match bars {
                Bars::Columns => (x0 + (2 * i + 1) * w / 16, y0 + h * 3 / 4),
                Bars::Mirrored => (x0 + (15 - 2 * i) * w / 16, y0 + h * 3 / 4),
                Bars::RowsWhiteLast => (x0 + w * 3 / 4, y0 + (15 - 2 * i) * h / 16),
                // The text overlay (the frame's top) is on the right now.
                Bars::RowsWhiteFirst => (x0 + w / 4, y0 + (2 * i + 1) * h / 16),
            };
            let (r, g, b) = self.rgb(x, y);
            if !self.is_bar_colour((x, y), *on) {
                errors.push(format!("{name} bar at ({x},{y}) is ({r},{g},{b})"));
            }
        }
        errors
    }
}

/// The sample clip assets/bars-640x480.mjpeg's first frame (all its frames are the same 75%
/// bars), decoded here: (width, height, RGB rows).
pub fn decoded_clip_frame() -> (usize, usize, Vec<u8>) {
    use zune_jpeg::zune_core::{colorspace::ColorSpace, options::DecoderOptions};
    let clip = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/bars-640x480.mjpeg"
    ))
    .unwrap();
    let end = clip
        .windows(3)
        .skip(1)
        .position(|w| w == [0xff, 0xd8, 0xff])
        .unwrap()
        + 1;
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(&clip[..end], options);
    let pixels = decoder.decode().unwrap();
    let info = decoder.info().unwrap();
    (info.width as usize, info.height as usize, pixels)
}

impl Image {
    /// Where the picture, the sample clip scaled to fill `area` (x, y, width, height), is not
    /// the clip's decoded frame (more than 8 off in a channel), at the centres of its seven
    /// bars on two rows of the upper half.
    pub fn clip_errors(&self, area: (usize, usize, usize, usize)) -> Vec<String> {
        let (w, h, frame) = decoded_clip_frame();
        let (ax, ay, aw, ah) = area;
        let mut errors = Vec::new();
        for row in [h / 4, h / 3] {
            for bar in 0..7 {
                let x = (2 * bar + 1) * w / 14;
                let i = (row * w + x) * 3;
                let want = (frame[i], frame[i + 1], frame[i + 2]);
                let (sx, sy) = (ax + x * aw / w, ay + row * ah / h);
                let got = self.rgb(sx, sy);
                let close = want.0.abs_diff(got.0) <= 8
                    && want.1.abs_diff(got.1) <= 8
                    && want.2.abs_diff(got.2) <= 8;
                if !close {
                    errors.push(format!(
                        "bar {bar} at ({sx},{sy}) is {got:?}, the clip's {want:?}"
                    ));
                }
            }
        }
        errors
    }
}

/// How vivid's bars lie on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bars {
    /// Columns, white on the left: as the camera sends them.
    Columns,
    /// Columns, white on the right: mirrored.
    Mirrored,
    /// Rows, white at the bottom: turned a quarter counter-clockwise.
    RowsWhiteLast,
    /// Rows, white at the top: turned a quarter clockwise.
    RowsWhiteFirst,
}
