//! Where randomness comes from. Every builder in this crate takes a [`RandomSource`], so
//! tests and "expert mode" (se-format.md §1.7) can fix every random value.

use crate::Result;

/// A source of random bytes.
pub trait RandomSource {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<()>;
}

impl<R: RandomSource + ?Sized> RandomSource for &mut R {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        (**self).fill(buf)
    }
}

/// The operating system's random number generator (`getrandom`).
#[cfg(feature = "std")]
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

#[cfg(feature = "std")]
impl RandomSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf).map_err(|_| crate::Error::Random)
    }
}

/// A deterministic source for tests and reproducible builds: a SHA-256 counter generator,
/// `SHA-256(seed ‖ be32(0)) ‖ SHA-256(seed ‖ be32(1)) ‖ …` (the `DRBG` of the vectors'
/// README). Not for production secrets.
#[derive(Debug, Clone)]
pub struct CounterRandom {
    seed: alloc::vec::Vec<u8>,
    counter: u32,
    buf: [u8; 32],
    used: usize,
}

impl CounterRandom {
    /// A generator over `seed`.
    pub fn new(seed: &[u8]) -> Self {
        Self { seed: seed.into(), counter: 0, buf: [0; 32], used: 32 }
    }
}

impl RandomSource for CounterRandom {
    fn fill(&mut self, out: &mut [u8]) -> Result<()> {
        use sha2::Digest;
        for b in out.iter_mut() {
            if self.used == 32 {
                let mut h = sha2::Sha256::new();
                h.update(&self.seed);
                h.update(self.counter.to_be_bytes());
                self.buf.copy_from_slice(&h.finalize());
                self.counter = self.counter.wrapping_add(1);
                self.used = 0;
            }
            *b = self.buf[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

/// Fills a fixed-size array from `rng`.
pub fn random_array<const N: usize>(rng: &mut impl RandomSource) -> Result<[u8; N]> {
    let mut a = [0u8; N];
    rng.fill(&mut a)?;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_random_matches_the_vectors_drbg() {
        // DRBG("pvimg-vec/iv", 12) = 9b857a21cfda71a7defa2e50 (vectors README, set A).
        let mut r = CounterRandom::new(b"pvimg-vec/iv");
        let iv: [u8; 12] = random_array(&mut r).unwrap();
        assert_eq!(iv, [0x9b, 0x85, 0x7a, 0x21, 0xcf, 0xda, 0x71, 0xa7, 0xde, 0xfa, 0x2e, 0x50]);
    }
}
