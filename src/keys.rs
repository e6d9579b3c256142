//! Key presses: the window's (Wayland), and those read from `--keys FILE`, for scripts and
//! for a console, which has no window: one character per press.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::view::ViewKey;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// M, R, + and -: the view.
    View(ViewKey),
    /// S: the frame written as a PNG.
    Snapshot,
    /// C: the next camera.
    NextCamera,
    /// Z: the camera's next frame size.
    NextSize,
    /// Q: the end of the run.
    Quit,
}

impl Key {
    /// The key a character stands for, upper or lower case.
    pub fn from_char(c: char) -> Option<Key> {
        Some(match c.to_ascii_lowercase() {
            'm' => Key::View(ViewKey::Mirror),
            'r' => Key::View(ViewKey::Turn),
            '+' | '=' => Key::View(ViewKey::ZoomIn),
            '-' => Key::View(ViewKey::ZoomOut),
            's' => Key::Snapshot,
            'c' => Key::NextCamera,
            'z' => Key::NextSize,
            'q' => Key::Quit,
            _ => return None,
        })
    }
}

/// `--keys FILE`: key presses written to a file, usually a FIFO (`mkfifo`), one character
/// each (`echo s > FILE` takes a snapshot); characters that are no key are skipped.
pub struct KeyFile {
    file: File,
    path: PathBuf,
}

impl KeyFile {
    /// Opens `path` for reading without waiting for a writer. Opened for writing too, so a
    /// FIFO always has one (glasscam): a writer that comes and goes leaves no hang-up to
    /// wake the loop for ever.
    pub fn open(path: &Path) -> std::io::Result<KeyFile> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(path)?;
        Ok(KeyFile {
            file,
            path: path.to_owned(),
        })
    }

    /// The keys written since the last read.
    pub fn read_keys(&mut self) -> Vec<Key> {
        let mut bytes = [0u8; 64];
        match self.file.read(&mut bytes) {
            Ok(n) => bytes[..n]
                .iter()
                .filter_map(|&b| Key::from_char(char::from(b)))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Vec::new(),
            Err(e) => {
                tracing::warn!("reading keys from {}: {e}", self.path.display());
                Vec::new()
            }
        }
    }
}

impl AsFd for KeyFile {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_are_the_windows_keys() {
        assert_eq!(Key::from_char('S'), Some(Key::Snapshot));
        assert_eq!(Key::from_char('z'), Some(Key::NextSize));
        assert_eq!(Key::from_char('+'), Some(Key::View(ViewKey::ZoomIn)));
        assert_eq!(Key::from_char('\n'), None);
    }

    #[test]
    fn a_fifo_gives_its_keys_and_no_hang_up_when_its_writer_goes() {
        let dir = std::env::temp_dir().join(format!("glasscam-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("keys");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let mut keys = KeyFile::open(&fifo).unwrap();
        assert_eq!(keys.read_keys(), vec![]);
        std::fs::write(&fifo, "s x\nc").unwrap();
        assert_eq!(keys.read_keys(), vec![Key::Snapshot, Key::NextCamera]);
        // The writer has gone: nothing to read, and no end of file either.
        assert_eq!(keys.read_keys(), vec![]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
