//! Fuzz target: the DIAG 308 state machine driven by a program of random subcodes, registers and IPIBs.
//! Checks in `fuzz/replay/ipl.rs`, replayed on stable by `pv-ipl/tests/ipl_fuzz_corpus.rs`.
#![no_main]

#[path = "../replay/ipl.rs"]
mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::check_diag308(data);
});
