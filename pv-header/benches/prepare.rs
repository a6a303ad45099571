//! Throughput of secured-component preparation against its ceiling, one SHA-512 stream
//! (crypto-perf-and-oracle.md §0, §4), and of the batched AES-256-XTS against the
//! `xts-mode` crate, each pair measured in the same run.
//!
//! `cargo bench -p pv-header --bench prepare`; `PVSIM_BENCH_MIB` sets the size of each of
//! the two components (default 256, i.e. a 256 MiB kernel and a 256 MiB initrd), and
//! `PVSIM_BENCH_ROUNDS` the number of rounds (default 5; the best round of each contender is
//! reported; the contenders alternate within a round so background load hits them alike).
//! `PVSIM_BENCH_BATCH_PAGES` and `PVSIM_BENCH_DEPTH` override the pipeline's
//! [`PipelineConfig`].

#[path = "../../benches/common.rs"]
mod common;

use std::hint::black_box;
use std::io;
use std::time::{Duration, Instant};

use aes::Aes256;
use aes::cipher::{Array, KeyInit};
use pv_core::GuestAbs;
use pv_header::component::{
    ComponentSpec, Encryption, PAGE_SIZE, PipelineConfig, Preparer, Tweak, TweakPrefix, Xts, XtsKey,
};
use sha2::{Digest, Sha512};
use xts_mode::Xts128;

/// The wall-clock time of one run of `f`.
fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn rate(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64()
}

fn show(what: &str, bytes: usize, d: Duration) -> f64 {
    let r = rate(bytes, d);
    println!("{what:<44} {r:>16.0} B/s  {:>6.3} GB/s  ({:.3} s)", r / 1e9, d.as_secs_f64());
    r
}

fn main() {
    let mib = common::env_usize("PVSIM_BENCH_MIB", 256).max(1);
    let rounds = common::env_usize("PVSIM_BENCH_ROUNDS", 5);
    let size = mib << 20;
    let kernel = common::random_bytes(size, 0x9e37_79b9_7f4a_7c15);
    let initrd = common::random_bytes(size + 123, 0xd1b5_4a32_d192_ed03);
    let total = kernel.len() + initrd.len();
    let key_bytes = common::random_bytes(64, 42);
    let key = XtsKey::from_slice(&key_bytes).expect("random halves differ");
    let specs = [
        ComponentSpec { addr: GuestAbs(0x15000), tweak_prefix: TweakPrefix(0x0028_1234_5678_9abc) },
        ComponentSpec {
            addr: GuestAbs(0x15000 + kernel.len() as u64),
            tweak_prefix: TweakPrefix(0x0032_1234_5678_9abc),
        },
    ];
    let dflt = PipelineConfig::default();
    let cfg = PipelineConfig {
        batch_pages: common::env_usize("PVSIM_BENCH_BATCH_PAGES", dflt.batch_pages),
        depth: common::env_usize("PVSIM_BENCH_DEPTH", dflt.depth),
    };
    println!(
        "pv-header prepare bench: kernel {mib} MiB + initrd {mib} MiB, best of {rounds} rounds, {cfg:?}"
    );

    // The ceiling: one SHA-512 stream over the same bytes.
    let mut sha_out = [0u8; 64];
    let mut pipe_out = [0u8; 64];
    let mut seq_out = [0u8; 64];
    let mut t_sha = Duration::MAX;
    let mut t_pipe = Duration::MAX;
    let mut t_seq = Duration::MAX;
    let mut round_ratios = Vec::new();
    // Interleave the contenders so background load hits them alike.
    for _ in 0..rounds.max(1) {
        let sha = timed(|| {
            let mut h = Sha512::new();
            h.update(&kernel);
            h.update(&initrd);
            sha_out = h.finalize().into();
        });
        let pipe = timed(|| {
            let mut p = Preparer::new(&key, Encryption::Enabled);
            for (spec, data) in specs.iter().zip([&kernel, &initrd]) {
                p.prepare_reader_pipelined_with(*spec, &data[..], io::sink(), cfg)
                    .expect("prepare");
            }
            pipe_out = p.finish().pld;
        });
        round_ratios.push(sha.as_secs_f64() / pipe.as_secs_f64());
        t_sha = t_sha.min(sha);
        t_pipe = t_pipe.min(pipe);
        t_seq = t_seq.min(timed(|| {
            let mut p = Preparer::new(&key, Encryption::Enabled);
            p.prepare_reader(specs[0], &kernel[..], io::sink()).expect("kernel");
            p.prepare_reader(specs[1], &initrd[..], io::sink()).expect("initrd");
            seq_out = p.finish().pld;
        }));
    }
    black_box(sha_out);
    assert_eq!(pipe_out, seq_out, "pipelined and single-threaded PLD differ");
    let r_sha = show("SHA-512 stream (sha2), same bytes", total, t_sha);
    let r_pipe = show("prepare, pipelined (2 threads)", total, t_pipe);
    let r_seq = show("prepare, single thread", total, t_seq);
    println!(
        "ratio pipelined / SHA-512 stream, best-of    {:.3}  (target >= 0.85)",
        r_pipe / r_sha
    );
    println!("ratio single-thread / SHA-512 stream        {:.3}", r_seq / r_sha);
    round_ratios.sort_by(f64::total_cmp);
    println!(
        "ratio pipelined / SHA-512, per round (adjacent runs): median {:.3}, all {:.3?}",
        round_ratios[round_ratios.len() / 2],
        round_ratios
    );

    // XTS alone: batched (ours) against xts-mode's per-block calls, over the same number
    // of bytes as the preparation above (passes over a buffer of at most 64 MiB).
    let xts_len = size.min(64 << 20);
    let passes = total / xts_len;
    let xts_total = passes * xts_len;
    let mut buf = common::random_bytes(xts_len, 7);
    let ours = Xts::new(&key);
    let k1 = Array::try_from(&key_bytes[..32]).expect("32 bytes");
    let k2 = Array::try_from(&key_bytes[32..]).expect("32 bytes");
    let theirs = Xts128::new(Aes256::new(&k1), Aes256::new(&k2));
    let pages = |buf: &mut Vec<u8>, f: &mut dyn FnMut(&mut [u8; PAGE_SIZE], Tweak)| {
        for _ in 0..passes {
            let mut t = specs[0].tweak_prefix.first_tweak();
            for chunk in buf.chunks_exact_mut(PAGE_SIZE) {
                f(chunk.try_into().expect("page"), t);
                t = t.next_page();
            }
        }
    };
    let [mut t_ours_enc, mut t_theirs_enc, mut t_ours_dec, mut t_theirs_dec] = [Duration::MAX; 4];
    for _ in 0..rounds.max(1) {
        t_ours_enc = t_ours_enc.min(timed(|| pages(&mut buf, &mut |p, t| ours.encrypt_page(p, t))));
        t_theirs_enc = t_theirs_enc.min(timed(|| {
            pages(&mut buf, &mut |p, t| theirs.encrypt_sector(p, t.to_be_bytes().into()))
        }));
        t_ours_dec = t_ours_dec.min(timed(|| pages(&mut buf, &mut |p, t| ours.decrypt_page(p, t))));
        t_theirs_dec = t_theirs_dec.min(timed(|| {
            pages(&mut buf, &mut |p, t| theirs.decrypt_sector(p, t.to_be_bytes().into()))
        }));
    }
    black_box(&buf);
    let a = show("XTS encrypt, batched (aes encrypt_blocks)", xts_total, t_ours_enc);
    let b = show("XTS encrypt, xts-mode encrypt_sector", xts_total, t_theirs_enc);
    let c = show("XTS decrypt, batched (aes decrypt_blocks)", xts_total, t_ours_dec);
    let d = show("XTS decrypt, xts-mode decrypt_sector", xts_total, t_theirs_dec);
    println!("ratio XTS batched / xts-mode: encrypt {:.2}x, decrypt {:.2}x", a / b, c / d);
}
