//! The IN_FORMATS plane property: which (format, modifier) pairs a plane scans out.
//! The blob comes from the kernel, so every offset and count is checked before use.

/// Header of `struct drm_format_modifier_blob`.
const HEADER_LEN: usize = 24;
/// Size of `struct drm_format_modifier`.
const MODIFIER_LEN: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFormats {
    pairs: Vec<(u32, u64)>,
}

#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
#[error("malformed IN_FORMATS blob: {0}")]
pub struct MalformedBlob(&'static str);

fn u32_at(blob: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(
        blob.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(blob: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(
        blob.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

impl InFormats {
    pub fn parse(blob: &[u8]) -> Result<InFormats, MalformedBlob> {
        let field = |index: usize| u32_at(blob, index * 4).map(|v| v as usize);
        let short = MalformedBlob("shorter than its header");
        if blob.len() < HEADER_LEN {
            return Err(short);
        }
        let (count_formats, formats_offset) = (field(2).ok_or(short)?, field(3).ok_or(short)?);
        let (count_modifiers, modifiers_offset) = (field(4).ok_or(short)?, field(5).ok_or(short)?);
        let formats: Vec<u32> = (0..count_formats)
            .map(|i| u32_at(blob, formats_offset.checked_add(i.checked_mul(4)?)?))
            .collect::<Option<_>>()
            .ok_or(MalformedBlob("format list runs past the end"))?;
        let mut pairs = Vec::new();
        for m in 0..count_modifiers {
            let at = m
                .checked_mul(MODIFIER_LEN)
                .and_then(|o| o.checked_add(modifiers_offset))
                .ok_or(MalformedBlob("modifier list runs past the end"))?;
            let (mask, offset, modifier) = match (
                u64_at(blob, at),
                u32_at(blob, at + 8),
                u64_at(blob, at + 16),
            ) {
                (Some(mask), Some(offset), Some(modifier)) => (mask, offset as usize, modifier),
                _ => return Err(MalformedBlob("modifier list runs past the end")),
            };
            for bit in 0..64 {
                if mask & (1 << bit) == 0 {
                    continue;
                }
                let format = offset
                    .checked_add(bit)
                    .and_then(|i| formats.get(i))
                    .ok_or(MalformedBlob("modifier names a format index out of range"))?;
                pairs.push((*format, modifier));
            }
        }
        Ok(InFormats { pairs })
    }

    pub fn supports(&self, format: u32, modifier: u64) -> bool {
        self.pairs.contains(&(format, modifier))
    }

    /// The modifiers listed for `format`, in the plane's order.
    pub fn modifiers(&self, format: u32) -> Vec<u64> {
        self.pairs
            .iter()
            .filter(|&&(f, _)| f == format)
            .map(|&(_, m)| m)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XR24: u32 = 0x3432_5258;
    const NV12: u32 = 0x3231_564e;
    const LINEAR: u64 = 0;
    const TILED: u64 = 0x0100_0000_0000_0001;

    fn blob(formats: &[u32], modifiers: &[(u64, u32, u64)]) -> Vec<u8> {
        let formats_offset = HEADER_LEN as u32;
        let modifiers_offset = formats_offset + 4 * formats.len() as u32;
        let mut out = Vec::new();
        for v in [
            1,
            0,
            formats.len() as u32,
            formats_offset,
            modifiers.len() as u32,
            modifiers_offset,
        ] {
            out.extend_from_slice(&v.to_ne_bytes());
        }
        for f in formats {
            out.extend_from_slice(&f.to_ne_bytes());
        }
        for (mask, offset, modifier) in modifiers {
            out.extend_from_slice(&mask.to_ne_bytes());
            out.extend_from_slice(&offset.to_ne_bytes());
            out.extend_from_slice(&0u32.to_ne_bytes());
            out.extend_from_slice(&modifier.to_ne_bytes());
        }
        out
    }

    #[test]
    fn pairs_follow_the_modifier_masks() {
        let parsed =
            InFormats::parse(&blob(&[XR24, NV12], &[(0b11, 0, LINEAR), (0b01, 0, TILED)])).unwrap();
        assert!(parsed.supports(XR24, LINEAR));
        assert!(parsed.supports(NV12, LINEAR));
        assert!(parsed.supports(XR24, TILED));
        assert!(!parsed.supports(NV12, TILED));
    }

    #[test]
    fn modifiers_lists_a_formats_layouts_in_the_planes_order() {
        let parsed =
            InFormats::parse(&blob(&[XR24, NV12], &[(0b01, 0, TILED), (0b11, 0, LINEAR)])).unwrap();
        assert_eq!(parsed.modifiers(XR24), vec![TILED, LINEAR]);
        assert_eq!(parsed.modifiers(NV12), vec![LINEAR]);
        assert!(parsed.modifiers(0x3231_5559).is_empty());
    }

    #[test]
    fn the_mask_offset_shifts_format_indices() {
        let parsed = InFormats::parse(&blob(&[XR24, NV12], &[(0b1, 1, LINEAR)])).unwrap();
        assert!(parsed.supports(NV12, LINEAR));
        assert!(!parsed.supports(XR24, LINEAR));
    }

    #[test]
    fn truncated_and_lying_blobs_are_refused() {
        let good = blob(&[XR24, NV12], &[(0b11, 0, LINEAR)]);
        for cut in 0..good.len() {
            assert!(
                InFormats::parse(&good[..cut]).is_err(),
                "cut at {cut} accepted"
            );
        }
        assert!(InFormats::parse(&blob(&[XR24], &[(0b10, 0, LINEAR)])).is_err());
        let mut huge = good.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert!(InFormats::parse(&huge).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_blob_parses_or_is_refused_without_panicking(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)
        ) {
            let _ = InFormats::parse(&bytes);
        }

        #[test]
        fn a_good_blob_with_bytes_changed_never_panics(
            flips in proptest::collection::vec((0usize..200, proptest::prelude::any::<u8>()), 1..8)
        ) {
            let mut bytes = blob(&[XR24, NV12, 0x3231_564e], &[(0b111, 0, LINEAR), (0b10, 1, 7)]);
            for (at, value) in flips {
                let len = bytes.len();
                bytes[at % len] = value;
            }
            if let Ok(parsed) = InFormats::parse(&bytes) {
                // Whatever it accepted names only formats that are in the blob's list.
                proptest::prop_assert!(parsed.pairs.len() <= 64 * 2);
            }
        }
    }
}
