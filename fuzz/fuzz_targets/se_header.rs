//! Fuzz target: the SE header parser, the header locator (slice and stream) and opening
//! with a fixed key. Nothing may panic; whatever parses must write back byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pv_header::hdr::{self, SeHdr};
use pv_header::secret::Secret;

/// `inputs/hdr.key` of the vectors, so the seed headers reach the decrypted path.
const HDR_KEY: [u8; 32] = [
    0xda, 0x92, 0x95, 0xc6, 0xa4, 0x12, 0x0f, 0x9b, 0x8f, 0x02, 0x45, 0xa3, 0xef, 0xbf, 0x8f, 0x60,
    0x3c, 0xbc, 0xce, 0x03, 0xd0, 0x0f, 0x0a, 0x5b, 0x33, 0xe8, 0x24, 0xde, 0xc2, 0x52, 0x67, 0x4c,
];

fuzz_target!(|data: &[u8]| {
    let key = Secret::new(HDR_KEY);
    if let Ok(h) = SeHdr::parse(data) {
        let bytes = h.to_bytes();
        assert_eq!(bytes[..], data[..bytes.len()]);
        let _ = h.open(&key);
    }
    let found = hdr::find(data);
    if let Ok((loc, h)) = &found {
        let off = loc.offset as usize;
        assert_eq!(h.to_bytes()[..], data[off..off + h.sehs() as usize]);
        let _ = h.open(&key);
    }
    let streamed = hdr::read_from(&mut std::io::Cursor::new(data));
    assert_eq!(streamed, found);
});
