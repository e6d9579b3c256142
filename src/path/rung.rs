//! The rungs of the ladder, one type from `--path` to `--stats`.

use clap::builder::PossibleValue;
use clap::ValueEnum;

/// How frames reach the display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rung {
    /// The camera's own dmabufs, shown as they are.
    Direct,
    /// Buffers the display made, which the camera writes into (V4L2_MEMORY_DMABUF), shown
    /// as they are.
    Import,
    /// Drawn by the GPU into buffers the display made.
    Gpu,
    /// Converted by the CPU into buffers the display made.
    Copy,
}

impl Rung {
    /// "direct", "import", "gpu" or "copy", as --path and --stats spell them (--path has
    /// no "import": that is `--memory dmabuf`).
    pub fn name(self) -> &'static str {
        match self {
            Rung::Direct => "direct",
            Rung::Import => "import",
            Rung::Gpu => "gpu",
            Rung::Copy => "copy",
        }
    }
}

/// `--path`: one rung, or the ladder's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathChoice {
    /// The highest rung that works, stepping down with one line each time.
    Auto,
    Only(Rung),
}

impl ValueEnum for PathChoice {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            PathChoice::Auto,
            PathChoice::Only(Rung::Direct),
            PathChoice::Only(Rung::Gpu),
            PathChoice::Only(Rung::Copy),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            PathChoice::Auto => "auto",
            PathChoice::Only(rung) => rung.name(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rung_parses_from_its_own_name() {
        for rung in [Rung::Direct, Rung::Gpu, Rung::Copy] {
            assert_eq!(
                PathChoice::from_str(rung.name(), false),
                Ok(PathChoice::Only(rung))
            );
        }
        assert_eq!(PathChoice::from_str("auto", false), Ok(PathChoice::Auto));
        assert!(PathChoice::from_str("fast", false).is_err());
    }
}
