//! Fuzz target: the IPL information block parser (types 0, 2, 4, 5 and others) and the DIAG 308 validity rule.
//! Checks in `fuzz/replay/ipl.rs`, replayed on stable by `pv-ipl/tests/ipl_fuzz_corpus.rs`.
#![no_main]

#[path = "../replay/ipl.rs"]
mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::check_ipib(data);
});
