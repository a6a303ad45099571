//! End to end: `create_image` with set A1's fixed inputs gives A1's header and component
//! bytes at the addresses pvimg uses; the reader reads the image back.
#![cfg(feature = "std")]

use std::io::Cursor;

use pv_core::{GuestAbs, Psw};
use pv_header::component::{ComponentKind, Encryption, Tweak, TweakPrefix, Unpacker, XtsKey};
use pv_header::ecc::{CustomerKey, EcPubCoords};
use pv_header::hdr::{SeHdr, SeHdrBuilder};
use pv_header::rand::{CounterRandom, RandomSource};
use pv_header::secret::Secret;
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};
use pv_ipl::ipib::Ipib;
use pv_ipl::loader_args::{Stage3aArgs, Stage3bArgs};
use pv_ipl::metadata::ImageMetadata;

fn asset(path: &str) -> Vec<u8> {
    let p = format!("{}/tests/assets/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// A random source that refuses: proves that fixed inputs need no randomness.
struct NoRandom;
impl RandomSource for NoRandom {
    fn fill(&mut self, _: &mut [u8]) -> pv_header::Result<()> {
        Err(pv_header::Error::Random)
    }
}

const A1_TWEAKS: [(ComponentKind, u64); 3] = [
    (ComponentKind::Kernel, 0x0028f8f918b5a845),
    (ComponentKind::Ramdisk, 0x0032e64dcc91e1c1),
    (ComponentKind::Cmdline, 0x003cdf4fea98343f),
];

fn a1_builder() -> SeHdrBuilder {
    let j: serde_json::Value = serde_json::from_slice(&asset("A1/intermediates.json")).unwrap();
    let coords = hex::decode(j["keyslots"][0]["host_pub_coords"].as_str().unwrap()).unwrap();
    let host = EcPubCoords::from_slice(&coords).unwrap().to_public_key().unwrap();
    let iv: [u8; 12] = hex::decode("9b857a21cfda71a7defa2e50").unwrap().try_into().unwrap();
    SeHdrBuilder::new([host], Psw::new_64bit(0))
        .prot_key(Secret::from_slice(&asset("inputs/hdr.key")).unwrap())
        .cck(Secret::from_slice(&asset("inputs/cck.bin")).unwrap())
        .xts_key(Secret::from_slice(&asset("inputs/image.key")).unwrap())
        .iv(iv)
        .customer_key(CustomerKey::from_scalar_bytes(&asset("keys/private_cust.bin")).unwrap())
}

fn a1_options(pipelined: bool) -> CreateOptions {
    CreateOptions {
        tweak_prefixes: A1_TWEAKS.iter().map(|&(k, t)| (k, TweakPrefix(t))).collect(),
        pipelined,
        ..CreateOptions::default()
    }
}

fn create_a1(pipelined: bool) -> Vec<u8> {
    create_a1_with(pipelined, "inputs/parmline.txt")
}

fn create_a1_with(pipelined: bool, cmdline: &str) -> Vec<u8> {
    let (kernel, ramdisk, parm) =
        (asset("inputs/kernel.bin"), asset("inputs/ramdisk.bin"), asset(cmdline));
    let inputs = ImageInputs {
        kernel: &mut &kernel[..],
        ramdisk: Some(&mut &ramdisk[..]),
        cmdline: Some(&mut &parm[..]),
        stage3a: None,
        stage3b: None,
    };
    let mut out = Cursor::new(Vec::new());
    let summary =
        create_image(&mut out, a1_builder(), inputs, &a1_options(pipelined), &mut NoRandom)
            .unwrap();
    let img = out.into_inner();
    assert_eq!(img.len() as u64, summary.layout.image_size());
    // The digests are A1's (harness output).
    let txt = String::from_utf8(asset("A1/digests.txt")).unwrap();
    let field = |name: &str| {
        let line = txt.lines().find_map(|l| l.strip_prefix(&format!("{name}="))).unwrap();
        hex::decode(line).unwrap()
    };
    assert_eq!(summary.digests.nep, 9);
    assert_eq!(summary.digests.ald.to_vec(), field("ald"));
    assert_eq!(summary.digests.pld.to_vec(), field("pld"));
    assert_eq!(summary.digests.tld.to_vec(), field("tld"));
    let text = summary.to_string();
    assert!(text.contains("| kernel cmdline          | start:    0x1d000 stop:    0x1dfff |"));
    assert!(text.contains("kernel cmdline  original size 0x35, prepared size 0x1000"));
    img
}

#[test]
fn a1_end_to_end() {
    let img = create_a1(true);
    assert_eq!(img, create_a1(false), "pipelined and sequential preparation differ");
    // A cmdline that already ends in NUL gets no second one.
    assert_eq!(img, create_a1_with(true, "inputs/cmdline.bin"));
    // File offset = address; the file ends at the last IPIB byte: 0x1e000 + 136 + 3·24.
    assert_eq!(img.len(), 0x1e000 + 136 + 72);
    assert_eq!(&img[0x14000..0x14000 + 640], &asset("A1/sehdr.bin")[..]);
    assert_eq!(&img[0x15000..0x19000], &asset("A1/kernel.enc")[..]);
    assert_eq!(&img[0x19000..0x1d000], &asset("A1/ramdisk.enc")[..]);
    assert_eq!(&img[0x1d000..0x1e000], &asset("A1/cmdline.enc")[..]);
    assert_eq!(&img[..8], &[0x00, 0x08, 0x00, 0x01, 0x80, 0x01, 0x10, 0x00]);
    let meta = ImageMetadata::parse(&img[0xc000..]).unwrap();
    assert_eq!(meta, ImageMetadata::new(0x14000, 0x1e000));
    // Gaps are zero.
    assert!(img[8..0xc000].iter().all(|&b| b == 0));
    assert!(img[0xc000 + 28..0x14000].iter().all(|&b| b == 0));
    assert!(img[0x14000 + 640..0x15000].iter().all(|&b| b == 0));
    // The IPIB names the header and the three components with A1's tweak prefixes.
    let ipib = Ipib::parse(&img[0x1e000..]).unwrap();
    let pv = ipib.pv().unwrap();
    assert_eq!((pv.hdr_addr, pv.hdr_size), (0x14000, 640));
    let got: Vec<(u64, u64, u64)> =
        pv.components.iter().map(|c| (c.tweak_prefix, c.addr, c.len)).collect();
    assert_eq!(
        got,
        [
            (A1_TWEAKS[0].1, 0x15000, 0x4000),
            (A1_TWEAKS[1].1, 0x19000, 0x4000),
            (A1_TWEAKS[2].1, 0x1d000, 0x1000)
        ]
    );
    pv.check_unpack_rules().unwrap();
}

#[test]
fn reader_reads_the_image_back() {
    let img = create_a1(false);
    let from_slice = ImageInfo::from_bytes(&img).unwrap();
    let from_stream = ImageInfo::read_from(&mut Cursor::new(&img)).unwrap();
    for info in [&from_slice, &from_stream] {
        assert_eq!(info.size, img.len() as u64);
        assert_eq!(info.header_offset, 0x14000);
        assert_eq!(info.header, SeHdr::parse(&asset("A1/sehdr.bin")).unwrap());
        assert_eq!(info.metadata, Some(ImageMetadata::new(0x14000, 0x1e000)));
        assert_eq!(info.ipl_psw, Some(Psw::new_64bit(0x11000)));
        assert_eq!(info.components().len(), 3);
        assert!(!info.loader_present);
    }
    // A bare header file: found at 0, no metadata, no IPIB.
    let bare = ImageInfo::from_bytes(&asset("A1/sehdr.bin")).unwrap();
    assert_eq!((bare.header_offset, bare.metadata, bare.ipib.is_none()), (0, None, true));
    // A corrupted IPIB is a typed error.
    let mut bad = img.clone();
    bad[0x1e000 + 0x6f] = 9;
    assert!(matches!(
        ImageInfo::from_bytes(&bad),
        Err(pv_ipl::Error::UnsupportedPvVersion { version: 9 })
    ));
}

#[test]
fn loaders_get_their_argument_blocks() {
    // B1's shapes: stage3a 11320 bytes, stage3b 5684 bytes; random secrets and tweaks.
    let (kernel, ramdisk, parm) =
        (asset("inputs/kernel.bin"), asset("inputs/ramdisk.bin"), asset("inputs/parmline.txt"));
    let stage3a = vec![0xa5u8; 11320];
    let stage3b = vec![0x5au8; 5684];
    let inputs = ImageInputs {
        kernel: &mut &kernel[..],
        ramdisk: Some(&mut &ramdisk[..]),
        cmdline: Some(&mut &parm[..]),
        stage3a: Some(&stage3a),
        stage3b: Some(&stage3b),
    };
    let mut rng = CounterRandom::new(b"pv-ipl loaders");
    let mut out = Cursor::new(Vec::new());
    let s =
        create_image(&mut out, a1_builder(), inputs, &CreateOptions::default(), &mut rng).unwrap();
    let img = out.into_inner();
    assert_eq!(img.len(), 0x200e8);
    assert_eq!(s.layout.psw_addr(), 0x1e000);
    // stage3a at 0x10000 with its argument block at 0x12c20 (B1's values).
    assert_eq!(&img[0x10000..0x12c20], &stage3a[..11320 - 24]);
    let a = Stage3aArgs::parse(&img[0x12c20..0x12c38]).unwrap();
    assert_eq!(a, Stage3aArgs { hdr_offs: 0x13e0, hdr_size: 640, ipib_offs: 0xd3e0 });
    // stage3b decrypts to the loader with B1's argument block in its last 64 bytes.
    let info = ImageInfo::from_bytes(&img).unwrap();
    assert!(info.loader_present);
    let comps = info.components();
    assert_eq!(comps.len(), 4);
    let s3b = comps[3];
    assert_eq!(TweakPrefix(s3b.tweak_prefix).kind(), Some(ComponentKind::Stage3b));
    let key = XtsKey::from_slice(&asset("inputs/image.key")).unwrap();
    let mut un = Unpacker::new(&key, Encryption::Enabled);
    let mut plain = Vec::new();
    for (i, off) in (0..s3b.len).step_by(4096).enumerate() {
        let at = (s3b.addr + off) as usize;
        let mut page = [0u8; 4096];
        page.copy_from_slice(&img[at..at + 4096]);
        let tweak = Tweak::new(TweakPrefix(s3b.tweak_prefix), 4096 * i as u64);
        un.unpack_page(GuestAbs(s3b.addr + off), tweak, &mut page).unwrap();
        plain.extend_from_slice(&page);
    }
    assert_eq!(&plain[..5684 - 64], &stage3b[..5684 - 64]);
    let args = Stage3bArgs::parse(&plain[5684 - 64..5684]).unwrap();
    assert_eq!(args, s.layout.stage3b_args());
    assert_eq!((args.kernel.src, args.kernel.size), (0x15000, 0x3011));
    assert_eq!((args.cmdline.src, args.cmdline.size), (0x1d000, 0x35));
    assert_eq!((args.initrd.src, args.initrd.size), (0x19000, 0x4000));
    assert!(plain[5684..].iter().all(|&b| b == 0));
}

#[test]
fn writer_rejects_bad_inputs() {
    let kernel = [1u8; 10];
    let short = [0u8; 63];
    let run = |stage3a: Option<&[u8]>, stage3b: Option<&[u8]>, opts: CreateOptions| {
        let inputs = ImageInputs {
            kernel: &mut &kernel[..],
            ramdisk: None,
            cmdline: None,
            stage3a,
            stage3b,
        };
        let mut out = Cursor::new(Vec::new());
        create_image(&mut out, a1_builder(), inputs, &opts, &mut CounterRandom::new(b"x"))
    };
    assert!(matches!(
        run(None, Some(&short), CreateOptions::default()),
        Err(pv_ipl::Error::Stage3bSize { len: 63 })
    ));
    assert!(matches!(
        run(Some(&short[..23]), None, CreateOptions::default()),
        Err(pv_ipl::Error::Stage3aSize { len: 23 })
    ));
    let wrong_kind = CreateOptions {
        tweak_prefixes: vec![(ComponentKind::Kernel, TweakPrefix(0x0032_0000_0000_0000))],
        ..CreateOptions::default()
    };
    assert!(matches!(run(None, None, wrong_kind), Err(pv_ipl::Error::ComponentSet { .. })));
    let bad_psw = CreateOptions { ipl_psw: Psw { mask: 1, addr: 0 }, ..CreateOptions::default() };
    assert!(matches!(run(None, None, bad_psw), Err(pv_ipl::Error::FieldOverflow { .. })));
    // A kernel-only image: one page, IPIB right after it.
    let ok = run(None, None, CreateOptions::default()).unwrap();
    assert_eq!(ok.layout.ipib.addr, 0x16000);
}

/// A kernel of many pipeline batches and background-writer chunks: the pipelined writer
/// (three threads) gives the same bytes as the single-threaded one.
#[test]
fn large_component_same_bytes_on_every_path() {
    let mut state = 0x1234_5678_9abc_def0u64;
    let kernel: Vec<u8> = (0..(9 << 20) + 1234)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let ramdisk = vec![0x5au8; 3 << 20];
    let build = |pipelined: bool| {
        let inputs = ImageInputs {
            kernel: &mut &kernel[..],
            ramdisk: Some(&mut &ramdisk[..]),
            cmdline: None,
            stage3a: None,
            stage3b: None,
        };
        let mut out = Cursor::new(Vec::new());
        let opts = CreateOptions { pipelined, ..a1_options(pipelined) };
        create_image(&mut out, a1_builder(), inputs, &opts, &mut CounterRandom::new(b"big"))
            .unwrap();
        out.into_inner()
    };
    let a = build(true);
    let b = build(false);
    assert_eq!(a.len(), b.len());
    assert!(a == b, "pipelined and single-threaded images differ");
}
