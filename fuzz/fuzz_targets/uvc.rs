//! Fuzz target: raw UVCB bytes through the ultravisor's host dispatcher (`host_uvc`) and a
//! secure CPU's `guest_uvc` on a small z16 model, with random command codes, lengths,
//! fields, addresses and instruction fields.
//! Checks in `fuzz/replay/uvc.rs`, replayed on stable by
//! `pv-ultravisor/tests/uvc_fuzz_corpus.rs`.
#![no_main]

#[path = "../replay/uvc.rs"]
mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::check(data);
});
