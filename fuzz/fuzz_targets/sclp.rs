//! Fuzz target: SERVICE CALL with random SCCBs, addresses and command words on a small machine.
//! Checks in `fuzz/replay/hypervisor.rs`, replayed on stable by
//! `pv-hypervisor/tests/hyp_fuzz_corpus.rs`.
#![no_main]

#[path = "../replay/hypervisor.rs"]
mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::check_sclp(data);
});
