//! Fuzz target: the attestation and add-secret request readers of pv-header (exchange
//! files, ARCB/ASRCB opening with the vectors' host key and the arpk, the secret-id peek,
//! List Secrets results, UV key hashes, signed user data).
//! Checks in `fuzz/replay/request.rs`, replayed on stable by
//! `pv-header/tests/request_fuzz_corpus.rs`.
#![no_main]

#[path = "../replay/request.rs"]
mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::check(data, true);
});
