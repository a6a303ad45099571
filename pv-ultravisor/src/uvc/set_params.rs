//! Set Secure Configuration Parameters, 0x0300 (uv-spec.md §1.6 "Set Secure Config
//! Parameters", se-format.md §1, §6.4): the SE header is read from host storage, checked,
//! and opened with the machine's host private key through pv-header.
//!
//! Check order (the spec lists the rcs, not their order; pvsim checks structure before
//! cryptography *\[inferred\]*):
//!
//! | step | rc / rrc |
//! |---|---|
//! | configuration not in state Created | 0x0003 *\[inferred\]* |
//! | header not readable (any byte of `sec_header_len`) | 0x0103 |
//! | magic wrong, or version not supported | 0x0104 / 0x0001 |
//! | `sehs` ≠ `sec_header_len`, or outside 0x1b0..=8192 | 0x010a / 0x0031 |
//! | `nks` = 0 | 0x010a / 0x0040 |
//! | `sea` < 128, or `416 + 80·nks + sea + 16` ≠ `sehs` | 0x010a / 0x0039 |
//! | unsupported plaintext control flag | 0x0106 / 0x0030 |
//! | customer public key not a P-521 point | 0x0108 / 0x000b |
//! | no slot for the current key; a slot for the backup key but pcf bit 62 clear | 0x0108 / 0x0034 *\[inferred meaning\]* |
//! | no slot for either host key | 0x0108 / 0x0005 |
//! | key slot or header tag does not authenticate | 0x0108 / 0x0006 *\[inferred\]* |
//! | optional items (`noi` ≠ 0) | 0x010a / 0x0039 |
//! | unsupported secret control flag | 0x0109 / 0x0000 |
//! | XTS key halves equal (with component encryption) | 0x0107 *\[inferred\]* |

use alloc::vec;

use pv_core::be::{get_u32, get_u64};
use pv_core::uvc::rc::{self, ssc as e};
use pv_core::uvc::uvcb::SscUvcb;
use pv_header::component::{Encryption, Unpacker, XtsKey};
use pv_header::ecc::CustomerKey;
use pv_header::hdr::{HDR_MAGIC, HDR_VERSION_V1, MAX_HDR_SIZE, SEA_V1, SeHdr};
use pv_header::pcf::PlaintextControlFlags;
use pv_header::request::BootHdrTags;

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::sec_config::{ConfigEvent, ConfigState, ImageState};
use crate::ultravisor::Ultravisor;

/// Size of the header's fixed part (before the key slots).
const FIXED: u64 = 0x1a0;
/// Size of a key slot.
const SLOT: u64 = 80;
/// Size of the tag.
const TAG: u64 = 16;

/// Handles Set Secure Configuration Parameters.
pub(crate) fn set_params(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: SscUvcb = call.get();
    let handle = call.handle;
    // 0x0003 [inferred]: the header was already set (or the configuration is further on).
    if uv.config(handle)?.state != ConfigState::Created {
        return Ok(Response::rc(rc::INV_STATE));
    }
    // 0x0103: access exception reading the header (also when only its tail is bad).
    let len = u.sec_header_len as usize;
    if len == 0 || uv.mem.check_host(u.sec_header_origin, len).is_err() {
        return Ok(Response::rc(e::HDR_ACCESS));
    }
    let mut b = vec![0u8; len.min(MAX_HDR_SIZE + 1)];
    uv.mem.read_raw(u.sec_header_origin, &mut b)?;
    match open(uv, &b, len) {
        Ok(image) => {
            let unpacker = match (&image.xts_key, image.encryption) {
                (Some(k), Encryption::Enabled) => Unpacker::new(k, Encryption::Enabled),
                _ => Unpacker::plaintext(),
            };
            // PLD, the one SHA-512 stream bounding unpack, runs on a second core.
            #[cfg(feature = "std")]
            let unpacker = unpacker.digest_on_thread();
            let c = uv.config_mut(handle)?;
            c.image = Some(image);
            c.unpacker = Some(unpacker);
            c.advance(ConfigEvent::HeaderAccepted);
            Ok(Response::OK)
        }
        Err(r) => Ok(r),
    }
}

/// The checks of the module table; the accepted header's state, or the failure.
fn open(uv: &Ultravisor, b: &[u8], len: usize) -> core::result::Result<ImageState, Response> {
    let l = &uv.spec.limits;
    let size_err = |rrc| Response::rrc(e::SIZE, rrc);
    let key_err = |rrc| Response::rrc(e::KEY, rrc);
    // 0x0104/0x0001: not an SE header of a supported version (v1 = MSB0 bit 0).
    let version = get_u32(b, 0x08).unwrap_or(0);
    let v1 = l.supp_se_hdr_versions & (1 << 63) != 0;
    if b.get(..8) != Some(&HDR_MAGIC[..]) || version != HDR_VERSION_V1 || !v1 {
        return Err(Response::rrc(e::VERSION, e::RRC_VERSION));
    }
    // 0x010a/0x0031: the header size field does not match (or is out of bounds).
    let sehs = u64::from(get_u32(b, 0x0c).unwrap_or(0));
    if sehs != len as u64 || sehs > MAX_HDR_SIZE as u64 || sehs < FIXED + TAG {
        return Err(size_err(e::RRC_HDR_SIZE));
    }
    // 0x010a/0x0040: no key slots.
    let nks = get_u64(b, 0x20).unwrap_or(0);
    if nks == 0 {
        return Err(size_err(e::RRC_NO_KEYSLOTS));
    }
    // 0x010a/0x0039: the encrypted area's size is invalid.
    let sea = get_u64(b, 0x28).unwrap_or(0);
    let total = nks
        .checked_mul(SLOT)
        .and_then(|s| s.checked_add(FIXED + TAG))
        .and_then(|s| s.checked_add(sea));
    if sea < SEA_V1 as u64 || total != Some(sehs) {
        return Err(size_err(e::RRC_SEA));
    }
    let hdr = SeHdr::parse(b).map_err(|_| size_err(e::RRC_HDR_SIZE))?;
    // 0x0106/0x0030: an unsupported plaintext control flag is set.
    let pcf = hdr.pcf().bits();
    if pcf & !l.supp_se_hdr_pcf != 0 {
        return Err(Response::rrc(e::PCF, e::RRC_PCF));
    }
    // 0x0108/0x000b: the customer ECDH public key is invalid.
    if hdr.cust_pub_key().to_public_key().is_err() {
        return Err(key_err(e::RRC_CUST_KEY));
    }
    // 0x0108/0x0034, 0x0108/0x0005: which host key the image is for.
    let key = host_key_for(uv, &hdr, pcf)?;
    // 0x0108/0x0006 [inferred]: the key slot or the header does not authenticate.
    let opened = hdr.open_with_host_key(key).map_err(|err| match err {
        pv_header::Error::HdrOptionalItems { .. } => size_err(e::RRC_SEA),
        _ => key_err(e::RRC_AUTH),
    })?;
    let secrets = opened.secrets();
    // 0x0109/0x0000: an unsupported secret control flag is set.
    let scf = secrets.scf().bits();
    if scf & !l.supp_se_hdr_scf != 0 {
        return Err(Response::rc(e::SCF));
    }
    // 0x0107 [inferred]: the component key is unusable (halves equal).
    let encryption = Encryption::from_pcf(pcf);
    let xts_key = XtsKey::new(secrets.xts_key().clone()).ok();
    if xts_key.is_none() && encryption == Encryption::Enabled {
        return Err(Response::rc(e::XTS_KEY));
    }
    let h = opened.hdr();
    Ok(ImageState {
        xts_key,
        encryption,
        cck: secrets.cck().clone(),
        psw: secrets.psw(),
        pcf,
        scf,
        expected: h.digests(),
        tags: BootHdrTags::new(*h.pld(), *h.ald(), *h.tld(), *h.tag()),
        image_phkh: key.public_coords().phkh(),
    })
}

/// The host key whose slot the header has: the current one, else the backup one (which
/// needs plaintext control flag bit 62, "backup target keys").
fn host_key_for<'a>(
    uv: &'a Ultravisor,
    hdr: &SeHdr,
    pcf: u64,
) -> core::result::Result<&'a CustomerKey, Response> {
    let has = |k: &CustomerKey| hdr.contains_phkh(&k.public_coords().phkh());
    if has(&uv.spec.host_key) {
        return Ok(&uv.spec.host_key);
    }
    match &uv.spec.backup_host_key {
        Some(b) if has(b) => {
            if pcf & PlaintextControlFlags::BACKUP_TARGET_KEYS.bits() == 0 {
                return Err(Response::rrc(e::KEY, e::RRC_BACKUP_KEY));
            }
            Ok(b)
        }
        _ => Err(Response::rrc(e::KEY, e::RRC_NO_KEYSLOT)),
    }
}
