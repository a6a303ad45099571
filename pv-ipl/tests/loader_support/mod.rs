//! Helpers shared by the boot-loader tests (stage3a.rs, stage3b.rs): the vectors' assets
//! (tests/assets/PROVENANCE.md) and a header builder for set A1's host key.

use pv_core::Psw;
use pv_header::ecc::EcPubCoords;
use pv_header::hdr::SeHdrBuilder;
use pv_header::secret::Secret;

/// A file of tests/assets.
pub fn asset(path: &str) -> Vec<u8> {
    let p = format!("{}/tests/assets/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// A1's host key and XTS key (so a test can decrypt); other secrets from the rng.
pub fn builder() -> SeHdrBuilder {
    let j: serde_json::Value = serde_json::from_slice(&asset("A1/intermediates.json")).unwrap();
    let coords = hex::decode(j["keyslots"][0]["host_pub_coords"].as_str().unwrap()).unwrap();
    let host = EcPubCoords::from_slice(&coords).unwrap().to_public_key().unwrap();
    SeHdrBuilder::new([host], Psw::new_64bit(0))
        .xts_key(Secret::from_slice(&asset("inputs/image.key")).unwrap())
}
