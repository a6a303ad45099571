//! Fuzz target: decoding and disassembling arbitrary bytes never panics, and every
//! decoded instruction round-trips through the encoder. `tests/decode_props.rs` replays
//! `corpus/decode` with the same checks on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pv_emu::decode::Insn;
use pv_emu::disasm::{NoSymbols, disassemble};

fuzz_target!(|data: &[u8]| {
    let (text, len) = disassemble(data, 0x1000, &NoSymbols);
    assert!(len <= data.len());
    assert_eq!(text.is_empty(), data.is_empty());
    if let Ok(insn) = Insn::decode(data) {
        assert_eq!(Insn::decode(&insn.encode()), Ok(insn));
    }
});
