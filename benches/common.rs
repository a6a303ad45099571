//! Helpers shared by the crates' benchmarks (`pv-header`, `pv-ultravisor`, `pvsim`), each
//! bench includes this file with `#[path = "../../benches/common.rs"] mod common;`.
#![allow(dead_code)]

/// `name` from the environment as a number, else `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Pseudo-random bytes (xorshift64*), fast enough not to matter next to what is timed.
pub fn random_bytes(len: usize, mut state: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}
