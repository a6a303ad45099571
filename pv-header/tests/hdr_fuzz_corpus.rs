//! Replays the seed corpus of the `se_header` fuzz target (`fuzz/corpus/se_header`) on
//! stable Rust: the parser, the locators and opening must not panic, and whatever parses
//! must write back byte for byte. Same checks as `fuzz/fuzz_targets/se_header.rs`.

#[path = "../../fuzz/replay/mutate.rs"]
mod mutate;

use std::io::Cursor;

use pv_header::hdr::{self, SeHdr};
use pv_header::secret::Secret;

fn corpus() -> Vec<(String, Vec<u8>)> {
    mutate::corpus(env!("CARGO_MANIFEST_DIR"), "se_header")
}

fn exercise(data: &[u8], key: &Secret<32>) -> (bool, bool) {
    let mut opened = false;
    if let Ok(h) = SeHdr::parse(data) {
        let bytes = h.to_bytes();
        assert_eq!(bytes[..], data[..bytes.len()]);
        opened |= h.open(key).is_ok();
    }
    let found = hdr::find(data);
    if let Ok((loc, h)) = &found {
        let off = loc.offset as usize;
        assert_eq!(h.to_bytes()[..], data[off..off + h.sehs() as usize]);
        opened |= h.open(key).is_ok();
    }
    assert_eq!(hdr::read_from(&mut Cursor::new(data)), found);
    (found.is_ok(), opened)
}

#[test]
fn fuzz_corpus_replays_without_panic() {
    let key = Secret::from_slice(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/assets/inputs/hdr.key"))
            .unwrap(),
    )
    .unwrap();
    let files = corpus();
    assert!(files.len() >= 10, "corpus has {} files", files.len());
    let mut found = 0;
    let mut opened = 0;
    for (name, data) in &files {
        let r = std::panic::catch_unwind(|| exercise(data, &key));
        let (f, o) = r.unwrap_or_else(|_| panic!("{name} panicked"));
        found += usize::from(f);
        opened += usize::from(o);
        // Every prefix of the seed too (cheap truncation fuzzing).
        for cut in (0..data.len().min(1024)).step_by(7) {
            exercise(&data[..cut], &key);
        }
    }
    // The seeds reach the deep paths: several are found, some open.
    assert!(found >= 5 && opened >= 2, "found {found}, opened {opened}");
}
