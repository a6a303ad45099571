//! Support for the secure-run tests: a tiny s390x assembler (each method one
//! instruction, encoded by hand from the Principles of Operation formats), SE images
//! for the assets' `host.crt` whose stage3b is a hand-assembled program (so the header
//! PSW starts it), and a machine that boots them with `pv_boot` on the real ultravisor
//! model.
#![allow(dead_code)]

use std::io::Cursor;

use pv_core::uvc::Ultravisor as _;
use pv_core::{GuestAbs, Psw, Storage as _};
use pv_header::ecc::CustomerKey;
use pv_header::hdr::SeHdrBuilder;
use pv_header::hkd::HostKeyDocument;
use pv_header::rand::CounterRandom;
use pv_hypervisor::pv_boot::{self, PvLayout, SecureGuest};
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};
use pv_ultravisor::{MachineGeneration, MachineSpec, Ultravisor};

/// The host layout (8 GiB sparse host, 64 MiB guest at 4 GiB).
pub const LAYOUT: PvLayout = PvLayout::SPARSE_8G;

pub fn asset(name: &str) -> Vec<u8> {
    let p = format!("{}/assets/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Our own s390x encoder: one method per instruction used by the test programs.
#[derive(Default)]
pub struct Asm {
    pub b: Vec<u8>,
}

/// A base-displacement field (B 4 bits, D 12 bits).
fn bd(b: u8, d: u16) -> [u8; 2] {
    [(b << 4) | ((d >> 8) as u8 & 0x0f), (d & 0xff) as u8]
}

impl Asm {
    /// The current offset.
    pub fn here(&self) -> u64 {
        self.b.len() as u64
    }
    /// Pads with zeros up to offset `at`.
    pub fn pad_to(&mut self, at: u64) {
        assert!(self.here() <= at, "code overflows into {at:#x}");
        self.b.resize(at as usize, 0);
    }
    /// LARL r, (offset `to` of the program): RIL-b, halfwords relative to here.
    pub fn larl(&mut self, r: u8, to: u64) {
        let halfwords = ((to as i64 - self.here() as i64) / 2) as i32;
        self.b.extend([0xc0, r << 4]);
        self.b.extend(halfwords.to_be_bytes());
    }
    /// LGFI r, i (RIL-a 0xc0_1).
    pub fn lgfi(&mut self, r: u8, i: i32) {
        self.b.extend([0xc0, (r << 4) | 0x1]);
        self.b.extend(i.to_be_bytes());
    }
    /// LGHI r, i (RI-a 0xa7_9).
    pub fn lghi(&mut self, r: u8, i: i16) {
        self.b.extend([0xa7, (r << 4) | 0x9]);
        self.b.extend(i.to_be_bytes());
    }
    /// An RXY-a instruction with opcode 0xe3 .. `op`.
    fn rxy(&mut self, op: u8, r: u8, b: u8, d: u16) {
        let [hi, lo] = bd(b, d);
        self.b.extend([0xe3, r << 4, hi, lo, 0x00, op]);
    }
    /// LG r, d(b).
    pub fn lg(&mut self, r: u8, b: u8, d: u16) {
        self.rxy(0x04, r, b, d);
    }
    /// STG r, d(b).
    pub fn stg(&mut self, r: u8, b: u8, d: u16) {
        self.rxy(0x24, r, b, d);
    }
    /// LLGF r, d(b).
    pub fn llgf(&mut self, r: u8, b: u8, d: u16) {
        self.rxy(0x16, r, b, d);
    }
    /// LLGH r, d(b).
    pub fn llgh(&mut self, r: u8, b: u8, d: u16) {
        self.rxy(0x91, r, b, d);
    }
    /// An SS-a instruction (`op` L-1 B1D1 B2D2).
    fn ss(&mut self, op: u8, b1: u8, d1: u16, len: u8, b2: u8, d2: u16) {
        self.b.extend([op, len - 1]);
        self.b.extend(bd(b1, d1));
        self.b.extend(bd(b2, d2));
    }
    /// MVC d1(len, b1), d2(b2).
    pub fn mvc(&mut self, b1: u8, d1: u16, len: u8, b2: u8, d2: u16) {
        self.ss(0xd2, b1, d1, len, b2, d2);
    }
    /// TR d1(len, b1), d2(b2).
    pub fn tr(&mut self, b1: u8, d1: u16, len: u8, b2: u8, d2: u16) {
        self.ss(0xdc, b1, d1, len, b2, d2);
    }
    /// MVI d1(b1), i.
    pub fn mvi(&mut self, b1: u8, d1: u16, i: u8) {
        self.b.extend([0x92, i]);
        self.b.extend(bd(b1, d1));
    }
    /// An S-format instruction `op d2(b2)`.
    fn s(&mut self, op: u16, b2: u8, d2: u16) {
        self.b.extend(op.to_be_bytes());
        self.b.extend(bd(b2, d2));
    }
    /// SPX d2(b2).
    pub fn spx(&mut self, b2: u8, d2: u16) {
        self.s(0xb210, b2, d2);
    }
    /// LPSWE d2(b2).
    pub fn lpswe(&mut self, b2: u8, d2: u16) {
        self.s(0xb2b2, b2, d2);
    }
    /// STSI d2(b2).
    pub fn stsi(&mut self, b2: u8, d2: u16) {
        self.s(0xb27d, b2, d2);
    }
    /// SERVC r1, r2 (RRE).
    pub fn servc(&mut self, r1: u8, r2: u8) {
        self.b.extend([0xb2, 0x20, 0x00, (r1 << 4) | r2]);
    }
    /// IPM r1 (RRE).
    pub fn ipm(&mut self, r1: u8) {
        self.b.extend([0xb2, 0x22, 0x00, r1 << 4]);
    }
    /// DIAG r1, r3, d2(b2) (RS-a 0x83).
    pub fn diag(&mut self, r1: u8, r3: u8, b2: u8, d2: u16) {
        self.b.extend([0x83, (r1 << 4) | r3]);
        self.b.extend(bd(b2, d2));
    }
    /// LCTLG c1, c3, d2(b2) (RSY-a 0xeb_2f).
    pub fn lctlg(&mut self, c1: u8, c3: u8, b2: u8, d2: u16) {
        let [hi, lo] = bd(b2, d2);
        self.b.extend([0xeb, (c1 << 4) | c3, hi, lo, 0x00, 0x2f]);
    }
    /// An all-zero halfword (an invalid opcode: operation exception).
    pub fn invalid(&mut self) {
        self.b.extend([0x00, 0x00]);
    }
    /// Places `bytes` at offset `at` of `img`.
    pub fn put(img: &mut [u8], at: u64, bytes: &[u8]) {
        img[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
    }
}

/// The program size (a page more than the program uses: the image writer keeps the
/// stage3b argument block at the end).
pub const PROGRAM_SIZE: usize = 0x4000;

/// An SE image for `host.crt` whose stage3b is `program`: the image and the program's
/// load address (where the header PSW starts).
pub fn image(program: &[u8]) -> (Vec<u8>, u64) {
    let hkd = HostKeyDocument::read(&asset("host.crt")).unwrap();
    let kernel = [0u8; 4096];
    let inputs = ImageInputs {
        kernel: &mut &kernel[..],
        ramdisk: None,
        cmdline: None,
        stage3a: None,
        stage3b: Some(program),
    };
    let builder = SeHdrBuilder::new([*hkd.public_key()], Psw::new_64bit(0));
    let mut out = Cursor::new(Vec::new());
    let mut rng = CounterRandom::new(b"tests/secure_run");
    let s = create_image(&mut out, builder, inputs, &CreateOptions::default(), &mut rng).unwrap();
    let img = out.into_inner();
    let info = ImageInfo::from_bytes(&img).unwrap();
    let base = info.components().last().unwrap().addr;
    assert_eq!(s.layout.header_psw().addr, base, "the header PSW starts the program");
    (img, base)
}

/// A host with the real ultravisor model holding `host.key`, and a secure guest booted
/// from `program` with `pv_boot` (one CPU).
pub struct Booted {
    pub uv: Ultravisor,
    pub guest: SecureGuest,
    pub base: u64,
}

pub fn boot(program: &[u8]) -> Booted {
    let key = CustomerKey::from_pem(&String::from_utf8(asset("host.key")).unwrap()).unwrap();
    let spec = MachineSpec::preset(MachineGeneration::Z16).with_host_key(key);
    let mut uv = Ultravisor::new(spec);
    let (img, base) = image(program);
    // The non-secure loader put the image at guest absolute 0.
    uv.host_storage().write(GuestAbs(LAYOUT.mso), &img).unwrap();
    let info = ImageInfo::from_bytes(&img).unwrap();
    let hdr = &img[info.header_offset as usize..][..info.header.sehs() as usize];
    let guest = pv_boot::boot(&mut uv, &LAYOUT, hdr, info.components(), 1).unwrap();
    Booted { uv, guest, base }
}

impl Booted {
    /// A doubleword of guest absolute storage as the guest sees it (a trusted-side
    /// check only the test may make).
    pub fn guest_u64(&mut self, g: u64) -> u64 {
        let mut b = [0u8; 8];
        self.uv.guest_storage(self.guest.cpus[0]).unwrap().read(GuestAbs(g), &mut b).unwrap();
        u64::from_be_bytes(b)
    }
}
