//! rig/compare's calibration: makes COUNT getppid syscalls with next to no user-space code
//! between them, after a pause in which the rig starts tracing this process. The time
//! between one syscall's exit event and the next one's entry event is then only the kernel's
//! own exit and entry path around the tracepoints: what every traced syscall adds to the
//! time its caller seems to spend in user space.
//!
//!     syscall_floor [COUNT (10000)] [PAUSE_MS (1000)]

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let pause_ms: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    std::thread::sleep(std::time::Duration::from_millis(pause_ms));
    for _ in 0..count {
        // SAFETY: getppid has no preconditions and cannot fail.
        std::hint::black_box(unsafe { libc::getppid() });
    }
}
