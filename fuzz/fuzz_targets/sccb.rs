//! Fuzz target: SERVICE CALL on SCCB bytes as a PV host gets them from a secure guest's
//! SIDA (`Sclp::process_sccb`). Checks in `fuzz/replay/hypervisor.rs`, replayed on stable
//! by `pv-hypervisor/tests/hyp_fuzz_corpus.rs`.
#![no_main]

#[path = "../replay/hypervisor.rs"]
mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::check_sccb(data);
});
