//! Snapshots (S in the window, `s` on --keys): the newest camera frame written as a PNG at
//! the camera's size. Its bytes are read through a CPU mapping while glasscam holds the
//! buffer, before it is shown, so no frame waits; converting and encoding run on a thread,
//! off the display path. The bytes read are counted apart from `bytes_copied`.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crate::capture::{ExportedBuffer, StreamFormat};
use crate::convert::to_xrgb8888;
use crate::dmabuf::map::{read_all, DmabufMap};

pub struct Snapshots {
    dir: PathBuf,
    /// Snapshots taken so far in this run, for the file names.
    taken: u32,
    /// Bytes read out of camera buffers for snapshots.
    pub bytes_read: u64,
    writers: Vec<JoinHandle<()>>,
}

impl Snapshots {
    /// Snapshots go into `dir`, else the XDG pictures directory, else the current one.
    pub fn new(dir: Option<PathBuf>) -> Snapshots {
        Snapshots {
            dir: dir.unwrap_or_else(pictures_dir),
            taken: 0,
            bytes_read: 0,
            writers: Vec::new(),
        }
    }

    /// Reads `buffer` now and writes it out as a PNG on a thread, which says in one line
    /// where (or why not).
    pub fn take(&mut self, buffer: &ExportedBuffer, format: &StreamFormat) {
        let planes = match read_planes(buffer) {
            Ok(planes) => planes,
            Err(errno) => {
                say!("glasscam: no snapshot: cannot map the camera buffer ({errno})");
                return;
            }
        };
        self.bytes_read += planes.iter().map(|p| p.len() as u64).sum::<u64>();
        self.taken += 1;
        let file = self
            .dir
            .join(format!("glasscam-{}-{}.png", timestamp(), self.taken));
        let format = format.clone();
        self.writers.retain(|w| !w.is_finished());
        self.writers.push(std::thread::spawn(move || {
            match write_png(&file, &planes, &format) {
                Ok(()) => say!(
                    "glasscam: snapshot {} ({}x{})",
                    file.display(),
                    format.width,
                    format.height
                ),
                Err(e) => say!("glasscam: no snapshot written to {}: {e}", file.display()),
            }
        }));
    }

    /// Waits for snapshots still being written: one taken just before the end is kept.
    pub fn finish(&mut self) {
        for writer in self.writers.drain(..) {
            let _ = writer.join();
        }
    }
}

/// Each memory plane's bytes, read through a read-only mapping (with the dmabuf's CPU
/// access bracketed, as the copy rung does).
fn read_planes(buffer: &ExportedBuffer) -> nix::Result<Vec<Vec<u8>>> {
    let maps = buffer
        .planes
        .iter()
        .map(|plane| DmabufMap::read_only(plane.fd.as_fd(), plane.length as usize))
        .collect::<nix::Result<Vec<_>>>()?;
    Ok(read_all(&maps, |mem| {
        mem.iter().map(|m| m.to_vec()).collect()
    }))
}

/// The frame converted to RGB, as an 8-bit PNG.
fn write_png(file: &Path, planes: &[Vec<u8>], format: &StreamFormat) -> anyhow::Result<()> {
    let (w, h) = (format.width, format.height);
    let mut xrgb = vec![0u8; w as usize * h as usize * 4];
    let mem: Vec<&[u8]> = planes.iter().map(Vec::as_slice).collect();
    let size = (w, h);
    to_xrgb8888(
        &format.pixel,
        &format.layout,
        &mem,
        size,
        format.colorimetry,
        &mut xrgb,
        w as usize * 4,
    )?;
    // XRGB8888 is B, G, R, X in memory.
    let rgb: Vec<u8> = xrgb
        .chunks_exact(4)
        .flat_map(|p| [p[2], p[1], p[0]])
        .collect();
    let mut encoder =
        png::Encoder::new(std::io::BufWriter::new(std::fs::File::create(file)?), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&rgb)?;
    Ok(())
}

/// $XDG_PICTURES_DIR, as user-dirs.dirs sets it, else ~/Pictures where it exists, else
/// the current directory.
fn pictures_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let from_env = std::env::var_os("XDG_PICTURES_DIR").map(PathBuf::from);
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let from_user_dirs = config
        .and_then(|c| std::fs::read_to_string(c.join("user-dirs.dirs")).ok())
        .and_then(|text| user_dirs_pictures(&text, home.as_deref()));
    let default = home.map(|h| h.join("Pictures")).filter(|p| p.is_dir());
    from_env
        .or(from_user_dirs)
        .or(default)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// XDG_PICTURES_DIR="$HOME/Pictures" in a user-dirs.dirs file.
fn user_dirs_pictures(text: &str, home: Option<&Path>) -> Option<PathBuf> {
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("XDG_PICTURES_DIR="))?;
    let value = line.trim_matches('"');
    match (value.strip_prefix("$HOME"), home) {
        (Some(rest), Some(home)) => Some(home.join(rest.trim_start_matches('/'))),
        (Some(_), None) => None,
        (None, _) => Some(PathBuf::from(value)),
    }
}

/// Local time as YYYYMMDD-HHMMSS, for file names that sort by when they were taken.
fn timestamp() -> String {
    let now = unsafe { libc::time(std::ptr::null_mut()) };
    // SAFETY: localtime_r fills the struct given; both pointers are valid.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    unsafe { libc::localtime_r(&now, &mut tm) };
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dirs_name_the_pictures_directory() {
        let text =
            "# comment\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\nXDG_PICTURES_DIR=\"$HOME/Bilder\"\n";
        assert_eq!(
            user_dirs_pictures(text, Some(Path::new("/home/ann"))),
            Some(PathBuf::from("/home/ann/Bilder"))
        );
        assert_eq!(
            user_dirs_pictures("XDG_PICTURES_DIR=\"/srv/pics\"", None),
            Some(PathBuf::from("/srv/pics"))
        );
        assert_eq!(
            user_dirs_pictures("XDG_MUSIC_DIR=\"$HOME/Music\"", None),
            None
        );
    }

    #[test]
    fn timestamps_sort_as_time() {
        let stamp = timestamp();
        assert_eq!(stamp.len(), 15, "{stamp}");
        assert_eq!(&stamp[8..9], "-");
    }
}
