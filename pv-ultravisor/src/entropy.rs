//! Where the ultravisor's random values come from (DESIGN.md: side effects come in through
//! small traits). Each draw names its purpose, so a test can fix one value (say, the
//! configuration unique id of the attestation vectors) and leave the rest alone.

use pv_header::rand::{CounterRandom, RandomSource};

/// What a random value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Draw {
    /// The 16-byte configuration unique id (CUID) of a new secure configuration.
    ConfigUid,
    /// The 32-byte key a configuration's exported pages are encrypted with.
    ExportKey,
    /// The 32-byte key that wraps retrieved key secrets into protected keys (drawn at
    /// Initialize).
    WrappingKey,
}

/// A source of the ultravisor's random values. Infallible: firmware has no failure path
/// for its random number generator.
pub trait UvEntropy {
    /// Fills `buf` for `what`.
    fn fill(&mut self, what: Draw, buf: &mut [u8]);
}

/// The default source: pv-header's SHA-256 counter generator over a seed. Deterministic,
/// so every run of a test gives the same bytes; not for real secrets.
#[derive(Debug, Clone)]
pub struct CounterEntropy(CounterRandom);

impl CounterEntropy {
    /// A source over `seed`.
    pub fn new(seed: &[u8]) -> Self {
        Self(CounterRandom::new(seed))
    }
}

impl UvEntropy for CounterEntropy {
    fn fill(&mut self, _what: Draw, buf: &mut [u8]) {
        // CounterRandom::fill cannot fail.
        let _ = self.0.fill(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_entropy_is_deterministic() {
        let (mut a, mut b) = (CounterEntropy::new(b"x"), CounterEntropy::new(b"x"));
        let (mut x, mut y) = ([0u8; 16], [0u8; 16]);
        a.fill(Draw::ConfigUid, &mut x);
        b.fill(Draw::ExportKey, &mut y);
        assert_eq!(x, y);
        a.fill(Draw::ConfigUid, &mut x);
        assert_ne!(x, y);
    }
}
