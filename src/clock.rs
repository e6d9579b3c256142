//! Clocks: every time glasscam compares is a CLOCK_MONOTONIC reading. Timestamps on other
//! clocks are converted by sampling both clocks together, or refused.

use std::time::Duration;

use nix::time::{clock_gettime, ClockId};

/// Now on CLOCK_MONOTONIC.
pub fn monotonic_now() -> Duration {
    read(ClockId::CLOCK_MONOTONIC).unwrap_or_default()
}

fn read(clock: ClockId) -> Option<Duration> {
    clock_gettime(clock).ok().map(Duration::from)
}

/// The name of a clock id as the kernel numbers them, as in wp_presentation.clock_id.
pub fn clock_name(clock_id: u32) -> String {
    match clock_id {
        0 => "CLOCK_REALTIME".into(),
        1 => "CLOCK_MONOTONIC".into(),
        4 => "CLOCK_MONOTONIC_RAW".into(),
        5 => "CLOCK_REALTIME_COARSE".into(),
        6 => "CLOCK_MONOTONIC_COARSE".into(),
        7 => "CLOCK_BOOTTIME".into(),
        other => format!("clock {other}"),
    }
}

/// Converts `time`, read on `clock_id`, to CLOCK_MONOTONIC. The offset between the clocks is
/// sampled now, bracketed by two monotonic reads, so it is good to a few microseconds for
/// timestamps from the last seconds. None for a clock this process cannot read.
pub fn to_monotonic(clock_id: u32, time: Duration) -> Option<Duration> {
    if clock_id == libc::CLOCK_MONOTONIC as u32 {
        return Some(time);
    }
    let clock = ClockId::from_raw(clock_id as libc::clockid_t);
    let before = monotonic_now();
    let other = read(clock)?;
    let after = monotonic_now();
    let monotonic = before + (after - before) / 2;
    // time + (monotonic - other), kept in unsigned arithmetic.
    (time + monotonic).checked_sub(other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_raw_converts_to_within_a_millisecond_of_monotonic() {
        let raw = read(ClockId::CLOCK_MONOTONIC_RAW).unwrap();
        let now = monotonic_now();
        let converted = to_monotonic(libc::CLOCK_MONOTONIC_RAW as u32, raw).unwrap();
        let error = now.abs_diff(converted);
        assert!(error < Duration::from_millis(1), "off by {error:?}");
        // A timestamp 5 ms older on the raw clock is 5 ms older once converted.
        let older = to_monotonic(4, raw - Duration::from_millis(5)).unwrap();
        let gap = converted.abs_diff(older);
        assert!(gap.abs_diff(Duration::from_millis(5)) < Duration::from_millis(1));
    }

    #[test]
    fn an_unknown_clock_is_refused() {
        assert_eq!(to_monotonic(999, Duration::from_secs(1)), None);
        assert_eq!(clock_name(4), "CLOCK_MONOTONIC_RAW");
    }
}
