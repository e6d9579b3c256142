//! What a camera frame's timestamp means: only monotonic ones are compared with the
//! display's times.

/// What a V4L2 buffer's timestamp means, from its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraClock {
    /// CLOCK_MONOTONIC, taken at the end of the frame (after its last line was read).
    MonotonicEndOfFrame,
    /// CLOCK_MONOTONIC, taken at the start of exposure.
    MonotonicStartOfExposure,
    /// Copied from an output buffer (memory-to-memory devices): not a capture time.
    Copy,
    /// The driver does not say.
    Unknown,
}

impl CameraClock {
    pub fn from_v4l2_flags(flags: u32) -> CameraClock {
        use crate::capture::sys::*;
        match flags & V4L2_BUF_FLAG_TIMESTAMP_MASK {
            V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC => {
                if flags & V4L2_BUF_FLAG_TSTAMP_SRC_MASK == V4L2_BUF_FLAG_TSTAMP_SRC_SOE {
                    CameraClock::MonotonicStartOfExposure
                } else {
                    CameraClock::MonotonicEndOfFrame
                }
            }
            V4L2_BUF_FLAG_TIMESTAMP_COPY => CameraClock::Copy,
            _ => CameraClock::Unknown,
        }
    }

    /// Only monotonic timestamps may be compared with glasscam's own readings.
    pub fn is_monotonic(self) -> bool {
        matches!(
            self,
            CameraClock::MonotonicEndOfFrame | CameraClock::MonotonicStartOfExposure
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::sys::*;

    #[test]
    fn v4l2_flags_name_the_camera_clock() {
        let mono = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
        assert_eq!(
            CameraClock::from_v4l2_flags(mono | V4L2_BUF_FLAG_TSTAMP_SRC_EOF),
            CameraClock::MonotonicEndOfFrame
        );
        assert_eq!(
            CameraClock::from_v4l2_flags(mono | V4L2_BUF_FLAG_TSTAMP_SRC_SOE),
            CameraClock::MonotonicStartOfExposure
        );
        assert_eq!(
            CameraClock::from_v4l2_flags(V4L2_BUF_FLAG_TIMESTAMP_COPY),
            CameraClock::Copy
        );
        assert_eq!(CameraClock::from_v4l2_flags(0), CameraClock::Unknown);
        assert!(!CameraClock::Copy.is_monotonic());
    }
}
