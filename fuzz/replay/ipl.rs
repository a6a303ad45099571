//! The checks of the pv-ipl fuzz targets (`ipl_image`, `ipib`, `diag308`), shared by the
//! targets and the stable replay `pv-ipl/tests/ipl_fuzz_corpus.rs` (both include this file
//! with `#[path]`), so the replay runs exactly what the fuzzer runs.
#![allow(dead_code)]

use pv_header::info::{Format, InfoView, meta, to_json, to_text};
use pv_header::secret::Secret;
use pv_ipl::diag308::{
    Diag308Config, Diag308Outcome, Diag308Request, Diag308State, ResponseCode, subcode,
};
use pv_ipl::image::ImageInfo;
use pv_ipl::ipib::{Ipib, diag_valid_normal};
use pv_ipl::metadata::{ImageMetadata, METADATA_LEN};

/// What one image input reached (for the replay's coverage assertions).
#[derive(Debug, Default, Clone, Copy)]
pub struct ImageReach {
    /// The image reader succeeded.
    pub info: bool,
    /// ... with metadata and an IPIB.
    pub ipib: bool,
    /// ... and the header opened with the vectors' `hdr.key`.
    pub opened: bool,
}

/// `ImageInfo::from_bytes` and `read_from` agree, never panic, and what they report is
/// consistent with the bytes: the header lies inside the image, the metadata and IPIB
/// write back to the bytes they came from; the `info` text and JSON render the header
/// (and its secrets when it opens with the vectors' `hdr.key`).
pub fn check_image(data: &[u8]) -> ImageReach {
    if let Ok(m) = ImageMetadata::parse(data) {
        assert_eq!(m.to_bytes()[..], data[..METADATA_LEN]);
    }
    let slice = ImageInfo::from_bytes(data);
    let stream = ImageInfo::read_from(&mut std::io::Cursor::new(data));
    assert_eq!(format!("{slice:?}"), format!("{stream:?}"));
    let Ok(info) = slice else { return ImageReach::default() };
    assert_eq!(info.size, data.len() as u64);
    let off = usize::try_from(info.header_offset).unwrap();
    let sehs = info.header.sehs() as usize;
    assert!(off + sehs <= data.len(), "header at {off:#x}+{sehs:#x} outside the image");
    assert_eq!(info.header.to_bytes()[..], data[off..off + sehs]);
    // `pvsim image info` renders whatever header it finds, opened or not.
    let key = Secret::from_slice(include_bytes!("../../pv-ipl/tests/assets/inputs/hdr.key"))
        .expect("32-byte key");
    let opened = info.header.open(&key).ok();
    for secrets in [None, opened.as_ref()] {
        let view = InfoView::new(&info.header, secrets.is_some(), secrets);
        assert!(!to_text(&view, true).is_empty());
        let json = to_json(&view, meta(0, "fuzz", "0"), Format::JsonMinify);
        assert!(json.starts_with('{'));
    }
    let mut reach = ImageReach { info: true, ipib: false, opened: opened.is_some() };
    if let Some(m) = info.metadata {
        assert_eq!(m.to_bytes()[..], data[0xc000..0xc000 + METADATA_LEN]);
        assert_eq!(m.hdr_off, info.header_offset, "the header is the one the metadata names");
        let ipib = info.ipib.as_ref().expect("metadata implies an IPIB");
        let at = usize::try_from(m.ipib_off).unwrap();
        let bytes = ipib.to_bytes().expect("a parsed IPIB serializes");
        assert_eq!(bytes[..], data[at..at + bytes.len()]);
        reach.ipib = true;
    } else {
        assert!(info.ipib.is_none() && !info.loader_present);
    }
    assert_eq!(
        info.components().len(),
        info.ipib.as_ref().and_then(Ipib::pv).map_or(0, |p| p.components.len())
    );
    reach
}

/// An IPIB that parses writes back byte for byte (its declared length of the input);
/// the DIAG 308 validity rule and `with_normal_ipib` agree.
pub fn check_ipib(data: &[u8]) -> bool {
    let parsed = Ipib::parse(data);
    if let Ok(ipib) = &parsed {
        let bytes = ipib.to_bytes().expect("a parsed IPIB serializes");
        assert_eq!(bytes[..], data[..bytes.len()]);
        assert_eq!(bytes.len(), ipib.len());
        assert_eq!(Ipib::parse(&bytes).ok().as_ref(), Some(ipib));
        if let Some(pv) = ipib.pv() {
            let _ = pv.check_unpack_rules();
        }
    }
    let mut page = vec![0u8; 4096];
    let n = data.len().min(4096);
    page[..n].copy_from_slice(&data[..n]);
    let valid = diag_valid_normal(&page).is_ok();
    let state = Diag308State::with_normal_ipib(data);
    assert_eq!(state.is_some(), valid);
    if let Some(s) = state {
        let saved = s.normal_ipib().unwrap();
        assert_eq!(saved, &page[..saved.len()]);
    }
    parsed.is_ok()
}

/// Pages of [`Mem`].
pub const DIAG_PAGES: usize = 32;

/// Reads a DIAG 308 program from `data`: byte 0 is the configuration (bit 0 facility 161,
/// bit 1 huge pages), then steps of 4 bytes `sub r1 page flags`; `sub` ≥ 0xf0 takes the
/// subcode from the next 8 bytes; flags bit 0 = problem state; flags bit 1 = poke: a
/// 2-byte length and that many bytes are written at the page first; `page` ≥ 0xf0 takes a
/// raw address from the next 8 bytes. Returns how many subcode-5/8 calls succeeded.
pub fn check_diag308(data: &[u8]) -> usize {
    let Some((&cfg, mut rest)) = data.split_first() else { return 0 };
    let cfg = Diag308Config { unpack_facility: cfg & 1 != 0, huge_pages: cfg & 2 != 0 };
    let mut mem = vec![0u8; DIAG_PAGES * 4096];
    let mut state = Diag308State::new();
    let mut sets = 0;
    let take = |rest: &mut &[u8], n: usize| -> Option<Vec<u8>> {
        let (a, b) = rest.split_at_checked(n)?;
        *rest = b;
        Some(a.to_vec())
    };
    let u64_of = |b: Vec<u8>| u64::from_be_bytes(b.try_into().unwrap());
    while let Some(step) = take(&mut rest, 4) {
        let sub = match step[0] {
            s @ 0..0xf0 => u64::from(s % 12),
            _ => match take(&mut rest, 8) {
                Some(b) => u64_of(b),
                None => return sets,
            },
        };
        let addr = match step[2] {
            p @ 0..0xf0 => u64::from(p) % (DIAG_PAGES as u64 + 2) * 4096,
            _ => match take(&mut rest, 8) {
                Some(b) => u64_of(b),
                None => return sets,
            },
        };
        if step[3] & 2 != 0 {
            let Some(l) = take(&mut rest, 2) else { return sets };
            let l = usize::from(u16::from_be_bytes([l[0], l[1]])).min(rest.len());
            let bytes = take(&mut rest, l).unwrap();
            let at = (addr as usize).min(mem.len());
            let n = bytes.len().min(mem.len() - at);
            mem[at..at + n].copy_from_slice(&bytes[..n]);
        }
        let r1 = step[1] & 0xf;
        let mut gprs = [0u64; 16];
        gprs[usize::from(r1)] = addr;
        let r3 = (r1 + 5) & 0xf;
        gprs[usize::from(r3)] = sub;
        let req = Diag308Request::from_regs(r1, r3, &gprs, step[3] & 1 != 0);
        assert_eq!((req.addr, req.subcode), (addr, sub));
        let before = state.clone();
        let mem_before = mem.clone();
        let out = state.execute(&cfg, &req, mem.as_mut_slice());
        if let Diag308Outcome::Response { reg, rc } = out {
            assert_eq!(reg, (r1 + 1) & 0xf);
            assert!(!req.problem_state && sub & !0xffff == 0);
            if rc == ResponseCode::Ok && (sub == subcode::SET || sub == subcode::PV_SET) {
                sets += 1;
                let saved = if sub == subcode::SET { state.normal_ipib() } else { state.pv_ipib() };
                let saved = saved.expect("a successful set saves the block").to_vec();
                let a = addr as usize;
                assert_eq!(saved[..], mem[a..a + saved.len()]);
                assert_eq!(saved.len() as u32, u32::from_be_bytes(saved[..4].try_into().unwrap()));
                if sub == subcode::PV_SET {
                    assert!(state.pv_block().is_some());
                }
            } else {
                assert_eq!(state, before, "only a successful set changes the state");
            }
            if rc == ResponseCode::Ok && (sub == subcode::STORE || sub == subcode::PV_STORE) {
                let saved =
                    if sub == subcode::STORE { state.normal_ipib() } else { state.pv_ipib() };
                let saved = saved.unwrap();
                let a = addr as usize;
                assert_eq!(saved[..], mem[a..a + saved.len()]);
            } else {
                // Only a store writes storage.
                assert!(mem == mem_before);
            }
        } else {
            assert_eq!(state, before);
            assert!(mem == mem_before);
        }
    }
    sets
}
