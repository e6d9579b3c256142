//! MJPEG: a stream of concatenated JPEG frames, each decoded straight into a display buffer
//! as XRGB8888 (bytes B, G, R, X). Decoded bytes are counted, apart from copies.

use std::ops::Range;

use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

#[derive(Debug, thiserror::Error)]
pub enum MjpegError {
    /// No JPEG start-of-image marker anywhere in the input.
    #[error("no JPEG frame found")]
    NoFrames,
    /// A frame the decoder rejects.
    #[error("frame {index} is not a valid JPEG: {reason}")]
    Invalid { index: usize, reason: String },
    /// A frame whose size differs from the first one's.
    #[error("frame {index} is {got:?}, the stream is {want:?}")]
    SizeChanged {
        index: usize,
        got: (u32, u32),
        want: (u32, u32),
    },
}

/// Where each frame starts and ends: from one start-of-image marker to the next.
pub fn split_frames(data: &[u8]) -> Result<Vec<Range<usize>>, MjpegError> {
    let starts: Vec<usize> = data
        .windows(3)
        .enumerate()
        .filter(|(_, w)| w == &[0xff, 0xd8, 0xff])
        .map(|(i, _)| i)
        .collect();
    if starts.is_empty() {
        return Err(MjpegError::NoFrames);
    }
    Ok(starts
        .iter()
        .enumerate()
        .map(|(i, &start)| start..starts.get(i + 1).copied().unwrap_or(data.len()))
        .collect())
}

fn decoder(jpeg: &[u8]) -> JpegDecoder<&[u8]> {
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::BGRA);
    JpegDecoder::new_with_options(jpeg, options)
}

/// The frame's width and height, from its header.
pub fn frame_size(jpeg: &[u8], index: usize) -> Result<(u32, u32), MjpegError> {
    let mut decoder = decoder(jpeg);
    decoder.decode_headers().map_err(|e| MjpegError::Invalid {
        index,
        reason: format!("{e:?}"),
    })?;
    let info = decoder.info().ok_or(MjpegError::NoFrames)?;
    Ok((u32::from(info.width), u32::from(info.height)))
}

/// Decodes frame `index` into `out` (width × height × 4 bytes, tightly packed).
pub fn decode_into(
    jpeg: &[u8],
    index: usize,
    size: (u32, u32),
    out: &mut [u8],
) -> Result<u64, MjpegError> {
    let got = frame_size(jpeg, index)?;
    if got != size {
        return Err(MjpegError::SizeChanged {
            index,
            got,
            want: size,
        });
    }
    let len = (size.0 * size.1 * 4) as usize;
    let out = out.get_mut(..len).ok_or(MjpegError::SizeChanged {
        index,
        got,
        want: size,
    })?;
    decoder(jpeg)
        .decode_into(out)
        .map_err(|e| MjpegError::Invalid {
            index,
            reason: format!("{e:?}"),
        })?;
    crate::stats::count_decoded(len as u64);
    Ok(len as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIP: &[u8] = include_bytes!("../assets/bars-640x480.mjpeg");

    #[test]
    fn the_sample_clip_splits_into_its_frames() {
        let frames = split_frames(CLIP).unwrap();
        assert_eq!(frames.len(), 24);
        assert_eq!(frames[0].start, 0);
        assert_eq!(frames.last().unwrap().end, CLIP.len());
        assert!(split_frames(b"not a jpeg").is_err());
    }

    #[test]
    fn a_frame_decodes_to_75_percent_bars() {
        let frames = split_frames(CLIP).unwrap();
        let jpeg = &CLIP[frames[3].clone()];
        assert_eq!(frame_size(jpeg, 3).unwrap(), (640, 480));
        let mut out = vec![0; 640 * 480 * 4];
        assert_eq!(
            decode_into(jpeg, 3, (640, 480), &mut out).unwrap(),
            640 * 480 * 4
        );
        // videotestsrc smpte75: white (75%), yellow, cyan... from the left, top half.
        let at = |x: usize, y: usize| {
            let i = (y * 640 + x) * 4;
            (out[i + 2], out[i + 1], out[i])
        };
        let near = |(r, g, b): (u8, u8, u8), want: (u8, u8, u8)| {
            r.abs_diff(want.0) < 24 && g.abs_diff(want.1) < 24 && b.abs_diff(want.2) < 24
        };
        assert!(near(at(45, 100), (191, 191, 191)), "{:?}", at(45, 100));
        assert!(near(at(137, 100), (191, 191, 0)), "{:?}", at(137, 100));
    }

    #[test]
    fn broken_and_mismatched_frames_are_errors() {
        let frames = split_frames(CLIP).unwrap();
        let jpeg = &CLIP[frames[0].clone()];
        let mut out = vec![0; 640 * 480 * 4];
        assert!(matches!(
            decode_into(jpeg, 0, (320, 240), &mut out),
            Err(MjpegError::SizeChanged { .. })
        ));
        assert!(decode_into(&jpeg[..200], 0, (640, 480), &mut out).is_err());
    }

    proptest::proptest! {
        #[test]
        fn random_bytes_split_into_in_bounds_frames(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)
        ) {
            if let Ok(frames) = split_frames(&bytes) {
                let mut end = frames[0].start;
                for frame in &frames {
                    proptest::prop_assert_eq!(frame.start, end);
                    proptest::prop_assert!(frame.start < frame.end && frame.end <= bytes.len());
                    end = frame.end;
                }
                proptest::prop_assert_eq!(end, bytes.len());
            }
        }

        #[test]
        fn truncated_and_damaged_frames_fail_without_panicking(
            cut in 0usize..20_000,
            damage in proptest::collection::vec((0usize..20_000, proptest::prelude::any::<u8>()), 0..6)
        ) {
            let frames = split_frames(CLIP).unwrap();
            let mut jpeg = CLIP[frames[1].clone()].to_vec();
            jpeg.truncate(cut.min(jpeg.len()));
            for (at, value) in damage {
                if !jpeg.is_empty() {
                    let len = jpeg.len();
                    jpeg[at % len] = value;
                }
            }
            let mut out = vec![0; 640 * 480 * 4];
            let _ = frame_size(&jpeg, 1);
            let _ = decode_into(&jpeg, 1, (640, 480), &mut out);
        }
    }
}
