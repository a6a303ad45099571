//! Fuzz target: the kernel loader (ELF and raw images, `Kernel::parse` then `load` into 16 MiB).
//! Checks in `fuzz/replay/hypervisor.rs`, replayed on stable by
//! `pv-hypervisor/tests/hyp_fuzz_corpus.rs`.
#![no_main]

#[path = "../replay/hypervisor.rs"]
mod check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::check_kernel(data);
});
