//! Property tests of the decoder and disassembler: decoding never panics, every format
//! round-trips (`decode(encode(x)) == x`), and the fuzz corpus replays cleanly.

use proptest::prelude::*;
use pv_emu::decode::{Fields, Insn, OPS};
use pv_emu::disasm::{NoSymbols, disassemble};

/// The checks the `decode` fuzz target runs on one input.
fn check_bytes(data: &[u8]) {
    let (text, len) = disassemble(data, 0x1000, &NoSymbols);
    assert!(len <= data.len());
    assert_eq!(text.is_empty(), data.is_empty());
    if let Ok(insn) = Insn::decode(data) {
        let enc = insn.encode();
        assert_eq!(Insn::decode(&enc), Ok(insn));
        assert!(insn.len() <= data.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..8)) {
        check_bytes(&data);
    }

    #[test]
    fn every_format_round_trips(idx in 0..OPS.len(), raw in any::<[u8; 6]>()) {
        let info = &OPS[idx];
        let insn = Insn::new(info.op, Fields::decode(info.format, &raw)).unwrap();
        let bytes = insn.encode();
        prop_assert_eq!(Insn::decode(&bytes), Ok(insn));
        // Encoding is canonical: decoding and re-encoding gives the same bytes.
        prop_assert_eq!(Insn::decode(&bytes).unwrap().encode(), bytes);
    }
}

#[test]
fn fuzz_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/decode");
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("corpus dir") {
        let data = std::fs::read(e.unwrap().path()).unwrap();
        check_bytes(&data);
        n += 1;
    }
    assert!(n > 0, "empty corpus");
}
