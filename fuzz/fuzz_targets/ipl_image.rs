//! Fuzz target: the SE image reader (slice and stream), the metadata parser and the IPIB it names.
//! Checks in `fuzz/replay/ipl.rs`, replayed on stable by `pv-ipl/tests/ipl_fuzz_corpus.rs`.
#![no_main]

#[path = "../replay/ipl.rs"]
mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::check_image(data);
});
