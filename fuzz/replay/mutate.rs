//! Stable replay of a fuzz corpus: every seed, prefixes of every seed and deterministic
//! mutations of the seeds (bit flips, interesting values, truncations, splices) through a
//! check closure. No dependencies: the owning crates' `tests/*_fuzz_corpus.rs` include this
//! file with `#[path = "../../fuzz/replay/mutate.rs"] mod mutate;`.
#![allow(dead_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// Marsaglia's xorshift64: a fixed seed gives the same mutations on every run.
pub struct XorShift(u64);

impl XorShift {
    /// A generator; `seed` 0 is replaced by 1 (xorshift has no zero state).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
}

/// The seed files of `fuzz/corpus/<target>` (sorted by name), relative to the crate dir
/// `manifest_dir` of the caller.
pub fn corpus(manifest_dir: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(manifest_dir).join("../fuzz/corpus").join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| {
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "empty corpus {}", dir.display());
    out
}

const INTERESTING: [u64; 12] =
    [0, 1, 2, 7, 8, 0x10, 0x7f, 0x80, 0xff, 0x1000, 0x7fff_ffff, u64::MAX];

/// One mutation of a random seed: one to four of bit flip, interesting byte or big-endian
/// word, truncation, splice with another seed, chunk duplication.
pub fn mutate(rng: &mut XorShift, seeds: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut d = seeds[rng.below(seeds.len())].1.clone();
    for _ in 0..1 + rng.below(4) {
        match rng.below(7) {
            0 | 1 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            2 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = INTERESTING[rng.below(INTERESTING.len())] as u8;
            }
            3 if !d.is_empty() => {
                let width = [2usize, 4, 8][rng.below(3)];
                let i = rng.below(d.len());
                let v = INTERESTING[rng.below(INTERESTING.len())].to_be_bytes();
                let n = width.min(d.len() - i);
                d[i..i + n].copy_from_slice(&v[8 - width..8 - width + n]);
            }
            4 => d.truncate(rng.below(d.len() + 1)),
            5 => {
                let other = &seeds[rng.below(seeds.len())].1;
                let cut = rng.below(d.len() + 1);
                let from = rng.below(other.len() + 1);
                d.truncate(cut);
                d.extend_from_slice(&other[from..]);
            }
            _ if !d.is_empty() => {
                let a = rng.below(d.len());
                let n = rng.below((d.len() - a).min(256) + 1);
                let at = rng.below(d.len() + 1);
                let chunk = d[a..a + n].to_vec();
                d.splice(at..at, chunk);
            }
            _ => d.push(rng.next_u64() as u8),
        }
    }
    d
}

/// Runs `check` on `data`; on a panic, fails naming the input and showing its start.
pub fn run_one(label: &str, data: &[u8], check: &mut impl FnMut(&[u8])) {
    if catch_unwind(AssertUnwindSafe(|| check(data))).is_err() {
        let head: String = data.iter().take(64).map(|b| format!("{b:02x}")).collect();
        panic!("{label} ({} bytes, starts {head}) failed", data.len());
    }
}

/// Replays the corpus: every seed; its prefixes (every length below `dense` bytes, then
/// every `step`-th); then `mutations` mutations with a fixed-seed generator (times
/// `PV_FUZZ_SCALE`, default 1).
pub fn replay(
    seeds: &[(String, Vec<u8>)],
    dense: usize,
    step: usize,
    mutations: usize,
    mut check: impl FnMut(&[u8]),
) {
    for (name, data) in seeds {
        run_one(name, data, &mut check);
        let mut cut = 0;
        while cut < data.len() {
            run_one(&format!("{name}[..{cut}]"), &data[..cut], &mut check);
            cut += if cut < dense { 1 } else { step };
        }
    }
    // `PV_FUZZ_SCALE=n` multiplies the mutations (and varies them) for longer local runs.
    let scale: usize =
        std::env::var("PV_FUZZ_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let mut rng = XorShift::new(0x5eed_f022 ^ (scale as u64 - 1).wrapping_mul(0x9e37_79b9));
    for i in 0..mutations * scale {
        let d = mutate(&mut rng, seeds);
        run_one(&format!("mutation #{i}"), &d, &mut check);
    }
}
