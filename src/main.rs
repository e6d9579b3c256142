//! glasscam: camera frames to the display without copying them.

/// Like eprintln!, but the line goes out in one write(2): stderr is unbuffered, and
/// eprintln! writes each formatted piece on its own, so a line could be split by another
/// process writing to the same terminal or log.
macro_rules! say {
    () => {
        say!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!("{}\n", format_args!($($arg)*));
        let _ = std::io::stderr().write_all(line.as_bytes());
    }};
}

mod app;
mod buffers;
mod capture;
mod cli;
mod clock;
mod convert;
mod display;
mod dmabuf;
mod event_loop;
mod fd_limit;
mod format;
mod geometry;
mod keys;
mod latency;
mod mjpeg;
mod path;
mod render;
mod snapshot;
mod stats;
mod view;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use capture::{CaptureError, ControlError};
use display::DisplayError;
use path::PathError;

/// Exit codes, documented in README.md.
const EXIT_ERROR: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_CAMERA: u8 = 3;
const EXIT_DISPLAY: u8 = 4;

fn exit_code(error: &anyhow::Error) -> u8 {
    if error
        .chain()
        .any(|e| e.is::<ControlError>() || e.is::<app::UsageError>())
    {
        EXIT_USAGE
    } else if error.chain().any(|e| e.is::<CaptureError>()) {
        EXIT_CAMERA
    } else if error
        .chain()
        .any(|e| e.is::<DisplayError>() || e.is::<PathError>())
    {
        EXIT_DISPLAY
    } else {
        EXIT_ERROR
    }
}

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // clap's message runs to several lines; the first one says what was wrong.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            say!("glasscam: error: {}", first.trim_start_matches("error: "));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: logs and pipes get plain lines.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GLASSCAM_LOG")
                // wayland-backend logs a broken pipe itself; glasscam's error line says it.
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,wayland_backend=off")),
        )
        .init();
    if let Some(cli::Command::Generate { what }) = cli.command {
        return match what.print() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                say!("glasscam: error: writing to stdout: {e}");
                ExitCode::from(EXIT_ERROR)
            }
        };
    }
    if cli.list {
        print!("{}", capture::list::list_devices());
        return ExitCode::SUCCESS;
    }
    match app::run(&cli) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            say!("glasscam: error: {error:#}");
            ExitCode::from(exit_code(&error))
        }
    }
}
