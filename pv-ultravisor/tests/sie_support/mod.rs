//! A real secure guest for the SIE tests: an SE image for the vectors' `host.crt` whose
//! kernel is a small hand-assembled s390x program, booted through the UVCs, and a host
//! that enters its CPU with SIE on a format-4 state description.
#![allow(dead_code)]

use std::io::Cursor;

use pv_core::sie::{SieExit, StateDescription, pv_grregs, set_pv_grregs};
use pv_core::uvc::Ultravisor as _;
use pv_core::uvc::UvcCmd;
use pv_core::uvc::rc;
use pv_core::uvc::uvcb::{CpuSetStateUvcb, CtsUvcb, UnpackUvcb};
use pv_core::{GuestAbs, Psw, Storage};
use pv_header::hdr::SeHdrBuilder;
use pv_header::pcf::PlaintextControlFlags;
use pv_header::rand::CounterRandom;
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};

use crate::support::*;

pub mod rules;

/// Host page holding the SIDA.
pub const SIDA: u64 = 0x4_0000;
/// Instruction budget per entry.
pub const BUDGET: u64 = 200_000;
/// Values the guest keeps in R11 and R13 that the host must never see.
pub const SECRET11: u64 = 0x5ec2_e711;
/// See [`SECRET11`].
pub const SECRET13: u64 = 0x5ec2_e713;

/// Offsets in the guest program (from its load address B).
pub mod off {
    /// The data block.
    pub const DATA: u64 = 0x800;
    /// The SCCB.
    pub const SCCB: u64 = 0x1000;
    /// The page the guest shares.
    pub const SHARE: u64 = 0x2000;
    /// The Set Shared Access UVCB.
    pub const UVCB: u64 = 0x3000;
    /// Results the guest stores.
    pub const RES: u64 = 0x3100;
    /// The program size (the last page holds the image's stage3b argument block).
    pub const SIZE: usize = 0x5000;
}

/// The guest non-secure page the program touches.
pub const UNTOUCHED: u64 = 0x30_0000;
/// The prefix the guest sets with SPX.
pub const NEW_PREFIX: u32 = 0x2_0000;
/// What the guest writes into its shared page.
pub const MARKER: &[u8; 8] = b"SHARED!!";

/// A tiny s390x assembler (each method one instruction, encoded by hand).
#[derive(Default)]
pub struct Asm {
    pub b: Vec<u8>,
}

fn d12(b: u8, d: u16) -> [u8; 2] {
    [(b << 4) | ((d >> 8) as u8 & 0xf), d as u8]
}

impl Asm {
    pub fn at(&self) -> u64 {
        self.b.len() as u64
    }
    /// LARL r, target (target is an offset from B).
    pub fn larl(&mut self, r: u8, target: u64) {
        let rel = ((target as i64 - self.at() as i64) / 2) as i32;
        self.b.extend([0xc0, r << 4]);
        self.b.extend(rel.to_be_bytes());
    }
    /// LGFI r, i.
    pub fn lgfi(&mut self, r: u8, i: i32) {
        self.b.extend([0xc0, (r << 4) | 1]);
        self.b.extend(i.to_be_bytes());
    }
    /// LGHI r, i.
    pub fn lghi(&mut self, r: u8, i: i16) {
        self.b.extend([0xa7, (r << 4) | 9]);
        self.b.extend(i.to_be_bytes());
    }
    fn rxy(&mut self, op: u8, r: u8, b: u8, d: u32) {
        self.b.extend([0xe3, r << 4, (b << 4) | ((d >> 8) as u8 & 0xf), d as u8]);
        self.b.extend([(d >> 12) as u8, op]);
    }
    /// STG r, d(b).
    pub fn stg(&mut self, r: u8, b: u8, d: u32) {
        self.rxy(0x24, r, b, d);
    }
    /// LG r, d(b).
    pub fn lg(&mut self, r: u8, b: u8, d: u32) {
        self.rxy(0x04, r, b, d);
    }
    /// LLGH r, d(b).
    pub fn llgh(&mut self, r: u8, b: u8, d: u32) {
        self.rxy(0x91, r, b, d);
    }
    /// LLGF r, d(b).
    pub fn llgf(&mut self, r: u8, b: u8, d: u32) {
        self.rxy(0x16, r, b, d);
    }
    /// MVC d1(len, b1), d2(b2).
    pub fn mvc(&mut self, b1: u8, d1: u16, len: u8, b2: u8, d2: u16) {
        self.b.extend([0xd2, len - 1]);
        self.b.extend(d12(b1, d1));
        self.b.extend(d12(b2, d2));
    }
    /// DIAG r1, r3, d2(b2).
    pub fn diag(&mut self, r1: u8, r3: u8, b2: u8, d2: u16) {
        self.b.extend([0x83, (r1 << 4) | r3]);
        self.b.extend(d12(b2, d2));
    }
    fn s(&mut self, op: u16, b2: u8, d2: u16) {
        self.b.extend(op.to_be_bytes());
        self.b.extend(d12(b2, d2));
    }
    /// Any S-format instruction `op d2(b2)` (MSCH, SSCH, STSCH, STCRW, SPT...).
    pub fn s_op(&mut self, op: u16, b2: u8, d2: u16) {
        self.s(op, b2, d2);
    }
    /// SPX d2(b2).
    pub fn spx(&mut self, b2: u8, d2: u16) {
        self.s(0xb210, b2, d2);
    }
    /// LPSWE d2(b2).
    pub fn lpswe(&mut self, b2: u8, d2: u16) {
        self.s(0xb2b2, b2, d2);
    }
    /// SERVC r1, r2.
    pub fn servc(&mut self, r1: u8, r2: u8) {
        self.b.extend([0xb2, 0x20, 0, (r1 << 4) | r2]);
    }
    /// IPM r1.
    pub fn ipm(&mut self, r1: u8) {
        self.b.extend([0xb2, 0x22, 0, r1 << 4]);
    }
    /// UVC r1, r2, 0.
    pub fn uvc(&mut self, r1: u8, r2: u8) {
        self.b.extend([0xb9, 0xa4, 0, (r1 << 4) | r2]);
    }
    /// LCTLG c1, c3, d2(b2).
    pub fn lctlg(&mut self, c1: u8, c3: u8, b2: u8, d2: u32) {
        self.b.extend([0xeb, (c1 << 4) | c3, (b2 << 4) | ((d2 >> 8) as u8 & 0xf), d2 as u8]);
        self.b.extend([(d2 >> 12) as u8, 0x2f]);
    }
    /// MVI d1(b1), i2.
    pub fn mvi(&mut self, b1: u8, d1: u16, i2: u8) {
        self.b.extend([0x92, i2]);
        self.b.extend(d12(b1, d1));
    }
    /// STSI d2(b2).
    pub fn stsi(&mut self, b2: u8, d2: u16) {
        self.s(0xb27d, b2, d2);
    }
    /// TSCH d2(b2).
    pub fn tsch(&mut self, b2: u8, d2: u16) {
        self.s(0xb235, b2, d2);
    }
    /// SIGP r1, r3, d2(b2).
    pub fn sigp(&mut self, r1: u8, r3: u8, b2: u8, d2: u16) {
        self.b.extend([0xae, (r1 << 4) | r3]);
        self.b.extend(d12(b2, d2));
    }
    /// OILF r1, i2.
    pub fn oilf(&mut self, r1: u8, i2: u32) {
        self.b.extend([0xc0, (r1 << 4) | 0xd]);
        self.b.extend(i2.to_be_bytes());
    }
    /// ST r1, d2(b2).
    pub fn st(&mut self, r1: u8, b2: u8, d2: u16) {
        self.b.extend([0x50, r1 << 4]);
        self.b.extend(d12(b2, d2));
    }
    /// Puts `bytes` at offset `at` (data).
    pub fn data(img: &mut [u8], at: u64, bytes: &[u8]) {
        img[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
    }
}

/// Result slots (offsets from RES).
pub mod res {
    pub const DIAG500_R2: u64 = 0x00;
    pub const PGM_CODE: u64 = 0x08;
    pub const EXT_PARAM: u64 = 0x10;
    pub const EXT_CODE: u64 = 0x18;
    pub const UNTOUCHED: u64 = 0x20;
    pub const UVC_CC: u64 = 0x28;
    pub const SERVC_CC: u64 = 0x30;
}

/// The guest program (position independent; R12 = B).
pub fn program() -> Vec<u8> {
    use off::*;
    let r = |s: u64| (RES + s) as u32;
    let mut a = Asm::default();
    a.larl(12, 0); // larl  %r12,.            base register = B
    a.lgfi(11, SECRET11 as i32); // lgfi %r11,secret      never shown to the host
    a.lgfi(13, SECRET13 as i32); // lgfi %r13,secret
    a.spx(12, DATA as u16); // spx   data+0(%r12)     prefix 0x20000 -> 0x6c, then 0x70
    a.mvc(0, 0x1d0, 8, 12, (DATA + 8) as u16); // mvc 0x1d0(8),mask64    program new PSW mask
    a.larl(1, 0xe00); // larl  %r1,pgm_handler
    a.stg(1, 0, 0x1d8); // stg   %r1,0x1d8        program new PSW address
    a.mvc(0, 0x1b0, 8, 12, (DATA + 8) as u16); // mvc 0x1b0(8),mask64    external new PSW mask
    a.larl(1, 0xe40); // larl  %r1,ext_handler
    a.stg(1, 0, 0x1b8); // stg   %r1,0x1b8        external new PSW address
    a.lghi(1, 3); // lghi  %r1,3            DIAG 0x500 subcode
    a.lghi(2, 0x222); // lghi  %r2,0x222
    a.lghi(3, 0x333); // lghi  %r3,0x333
    a.lghi(4, 0x444); // lghi  %r4,0x444
    a.diag(2, 4, 0, 0x500); // diag  %r2,%r4,0x500     -> 0x68, host sets GR2
    a.stg(2, 12, r(res::DIAG500_R2)); // stg %r2,res+0(%r12)
    a.diag(0, 0, 0, 0x44); // diag  %r0,%r0,0x44      -> 0x6c
    a.lgfi(1, 0x0002_0001); // lgfi  %r1,0x20001      SCLP read SCP info
    a.larl(2, SCCB); // larl  %r2,sccb
    a.servc(1, 2); // servc %r1,%r2           -> 0x68, SCCB in the SIDA
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(res::SERVC_CC)); // stg %r5,res+0x30(%r12)
    a.lgfi(8, UNTOUCHED as i32); // lgfi %r8,0x300000       a non-secure page
    a.lg(7, 8, 0); // lg    %r7,0(%r8)        -> SIE exit PGM 0x3e, then zero
    a.stg(7, 12, r(res::UNTOUCHED)); // stg %r7,res+0x20(%r12)
    a.larl(10, UVCB); // larl  %r10,uvcb
    a.larl(1, SHARE); // larl  %r1,share
    a.stg(1, 10, 0x20); // stg   %r1,0x20(%r10)    UVCB paddr
    a.uvc(0, 10); // uvc   %r0,%r10,0       Set Shared Access (no exit)
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(res::UVC_CC)); // stg %r5,res+0x28(%r12)
    a.mvc(1, 0, 8, 12, (DATA + 0x10) as u16); // mvc 0(8,%r1),marker  into the shared page
    a.lghi(3, 4); // lghi  %r3,4
    a.diag(0, 3, 0, 0x308); // diag  %r0,%r3,0x308    subcode 4: spec exception in the guest
    a.lctlg(0, 0, 12, (DATA + 0x18) as u32); // lctlg %c0,%c0,cr0    service-signal subclass
    a.lpswe(12, (DATA + 0x20) as u16); // lpswe wait_psw(%r12)   enabled wait -> 0x1c
    assert!(a.at() <= 0xe00);
    a.b.resize(0xe00, 0);
    // pgm_handler (B+0xe00):
    a.llgh(6, 0, 0x8e); // llgh  %r6,0x8e         program-interruption code
    a.stg(6, 12, r(res::PGM_CODE)); // stg %r6,res+8(%r12)
    a.lpswe(0, 0x150); // lpswe 0x150            back after the DIAG
    a.b.resize(0xe40, 0);
    // ext_handler (B+0xe40):
    a.llgf(6, 0, 0x80); // llgf  %r6,0x80         external-interruption parameter
    a.stg(6, 12, r(res::EXT_PARAM)); // stg %r6,res+0x10(%r12)
    a.llgh(6, 0, 0x86); // llgh  %r6,0x86         external-interruption code
    a.stg(6, 12, r(res::EXT_CODE)); // stg %r6,res+0x18(%r12)
    a.lpswe(12, (DATA + 0x30) as u16); // lpswe done_psw(%r12)  disabled wait -> 0x1c
    let mut img = a.b;
    img.resize(SIZE, 0);
    Asm::data(&mut img, DATA, &NEW_PREFIX.to_be_bytes());
    Asm::data(&mut img, DATA + 8, &0x0000_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, DATA + 0x10, MARKER);
    Asm::data(&mut img, DATA + 0x18, &0x200u64.to_be_bytes());
    Asm::data(&mut img, DATA + 0x20, &0x0102_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, DATA + 0x30, &0x0002_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, SCCB, &0x100u16.to_be_bytes());
    Asm::data(&mut img, UVCB, &[0x00, 0x30, 0x10, 0x00]);
    img
}

/// Secured pages of an image: (guest address, tweak prefix, offset in the component).
pub type Pages = Vec<(u64, u64, u64)>;

/// The SE image with `kernel` as its stage3b for host.crt, its PSW, its secured pages
/// and the program's load address.
pub fn image(kernel: &[u8]) -> (Vec<u8>, Psw, Pages, u64) {
    // The program is the image's stage3b (the header PSW starts it); a one-page kernel.
    let dummy = [0u8; 4096];
    let inputs = ImageInputs {
        kernel: &mut &dummy[..],
        ramdisk: None,
        cmdline: None,
        stage3a: None,
        stage3b: Some(kernel),
    };
    let pcf = PlaintextControlFlags::PVIMG_DEFAULT | PlaintextControlFlags::ALLOW_DUMPING;
    let builder = SeHdrBuilder::new([host_pub("keys/host.crt")], Psw::new_64bit(0)).pcf(pcf);
    let mut out = Cursor::new(Vec::new());
    let mut rng = CounterRandom::new(b"pv-ultravisor/sie");
    let s = create_image(&mut out, builder, inputs, &CreateOptions::default(), &mut rng).unwrap();
    let img = out.into_inner();
    let info = ImageInfo::from_bytes(&img).unwrap();
    let mut pages = Vec::new();
    let kernel_at = info.components().last().unwrap().addr;
    for c in info.components() {
        for o in (0..c.len).step_by(4096) {
            pages.push((c.addr + o, c.tweak_prefix, o));
        }
    }
    (img, s.layout.header_psw(), pages, kernel_at)
}

/// A booted secure guest and its host.
pub struct Guest {
    pub h: Host,
    pub cfg: u64,
    pub cpu: u64,
    pub mso: u64,
    pub asce: u64,
    pub sd: u64,
    /// The program's load address.
    pub base: u64,
}

impl Guest {
    /// Boots `kernel` (verified, CPU operating-loaded, state description prepared).
    pub fn boot(kernel: &[u8]) -> Self {
        let (img, psw, pages, base) = image(kernel);
        assert_eq!(psw.addr, base, "the header PSW starts the program");
        let mut h = Host::ready();
        let asce = h.cgc_uvcb().guest_asce;
        let cfg = h.create_config();
        let sd = h.csc_uvcb(cfg, 0).state_origin;
        let cpu = h.create_cpu(cfg, 0);
        let mso = Host::mso(0);
        h.write(mso, &img);
        let info = ImageInfo::from_bytes(&img).unwrap();
        let hdr = img[info.header_offset as usize..][..info.header.sehs() as usize].to_vec();
        assert_eq!(h.ssc(cfg, &hdr), (rc::EXECUTED, 0));
        for (gaddr, tweak0, tweak1) in pages {
            let u = UnpackUvcb { guest_handle: cfg, gaddr, tweak0, tweak1 };
            assert_eq!(h.rc(&u), (rc::EXECUTED, 0));
        }
        assert_eq!(h.nodata(UvcCmd::Verify, cfg), (rc::EXECUTED, 0));
        assert_eq!(h.rc(&CpuSetStateUvcb { cpu_handle: cpu, state: 5 }), (rc::EXECUTED, 0));
        let mut g = Self { h, cfg, cpu, mso, asce, sd, base };
        let s = StateDescription {
            pv_handle_cpu: cpu,
            pv_handle_config: cfg,
            sdf: 2,
            sidad: SIDA,
            ..Default::default()
        };
        g.put_sd(&s);
        g
    }

    /// The SIE page as the host sees it.
    pub fn page(&mut self) -> Vec<u8> {
        self.h.read(self.sd, 0x1000).unwrap()
    }

    pub fn get_sd(&mut self) -> StateDescription {
        StateDescription::decode(&self.page())
    }

    pub fn put_sd(&mut self, s: &StateDescription) {
        let mut p = self.page();
        s.encode_into(&mut p);
        self.h.write(self.sd, &p);
    }

    pub fn grregs(&mut self) -> [u64; 16] {
        pv_grregs(&self.page())
    }

    pub fn set_grregs(&mut self, r: [u64; 16]) {
        let mut p = self.page();
        set_pv_grregs(&mut p, r);
        self.h.write(self.sd, &p);
    }

    pub fn sida(&mut self, len: usize) -> Vec<u8> {
        self.h.read(SIDA, len).unwrap()
    }

    /// One SIE entry.
    pub fn enter(&mut self) -> SieExit {
        self.h.uv.sie(self.sd, self.asce, BUDGET).unwrap()
    }

    /// Imports guest page `g` (first import gives a zero page).
    pub fn import(&mut self, g: u64) {
        if matches!(self.h.uv.page_state(self.mso + g), pv_ultravisor::PageState::Secure { .. }) {
            return;
        }
        let u = CtsUvcb { guest_handle: self.cfg, gaddr: g };
        assert_eq!(self.h.rc(&u), (rc::EXECUTED, 0), "import {g:#x}");
    }

    /// Enters, imports on 0x70 and PGM 0x3e, and re-enters until another exit.
    pub fn run(&mut self) -> SieExit {
        loop {
            match self.enter() {
                SieExit::Intercept(0x70) => {
                    let p = self.guest_prefix();
                    self.import(p);
                    self.import(p + 0x1000);
                }
                e => return e,
            }
        }
    }

    /// The guest's prefix (trusted-side accessor for the test; the host learns it from
    /// SPX notifications).
    pub fn guest_prefix(&self) -> u64 {
        self.h.uv.cpu_prefix(self.cpu).unwrap()
    }

    /// Reads guest absolute storage through the guest's view (trusted-side check).
    pub fn guest_read(&mut self, g: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        self.h.uv.guest_storage(self.cpu).unwrap().read(GuestAbs(g), &mut v).unwrap();
        v
    }

    pub fn guest_u64(&mut self, g: u64) -> u64 {
        u64::from_be_bytes(self.guest_read(g, 8).try_into().unwrap())
    }

    /// Result slot `s` of the program.
    pub fn res(&mut self, s: u64) -> u64 {
        self.guest_u64(self.base + off::RES + s)
    }
}

/// The IPIB program2 hands to DIAG 308 subcode 5 (a 0x40-byte block).
pub fn ipib() -> Vec<u8> {
    let mut b = vec![0u8; 0x40];
    b[..4].copy_from_slice(&0x40u32.to_be_bytes());
    b[4] = 1; // version
    b[0x10..0x18].copy_from_slice(b"IPIBBODY");
    b
}

/// A second program: shares a page, tells the host (DIAG 0x44) so it can pin it, removes
/// the sharing (a notification while pinned, retried after the unpin), DIAG 308 subcode
/// 5 with an IPIB (0x68, the IPIB in the SIDA, the response into R1+1), stores a short
/// PSW at absolute 0, then DIAG 308 subcode 1 (a notification; every entry is then a
/// validity interception until the reset sequence, whose operating-load continues at that
/// PSW with a DIAG 0x44).
pub fn program2() -> Vec<u8> {
    use off::*;
    let r = |s: u64| (RES + s) as u32;
    let mut a = Asm::default();
    a.larl(12, 0); // larl  %r12,.
    a.larl(10, UVCB); // larl  %r10,uvcb
    a.larl(1, SHARE); // larl  %r1,share
    a.stg(1, 10, 0x20); // stg   %r1,0x20(%r10)
    a.uvc(0, 10); // uvc   %r0,%r10,0       Set Shared Access
    a.diag(0, 0, 0, 0x44); // diag  %r0,%r0,0x44      -> 0x6c: the host pins the page
    a.mvi(10, 3, 0x01); // mvi   3(%r10),1         command 0x1001 Remove Shared Access
    a.uvc(0, 10); // uvc   %r0,%r10,0       -> 0x6c while pinned, then executed
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(res::UVC_CC)); // stg %r5,res+0x28(%r12)
    a.larl(2, SCCB); // larl  %r2,ipib
    a.lghi(4, 5); // lghi  %r4,5
    a.diag(2, 4, 0, 0x308); // diag  %r2,%r4,0x308    subcode 5 -> 0x68, IPIB in the SIDA
    a.stg(3, 12, r(res::DIAG500_R2)); // stg %r3,res+0(%r12)  the response code
    a.larl(1, 0xe00); // larl  %r1,restarted
    a.oilf(1, 0x8000_0000); // oilf  %r1,0x80000000   31-bit addressing
    a.st(1, 0, 4); // st    %r1,4            short PSW address at absolute 4
    a.mvc(0, 0, 4, 12, DATA as u16); // mvc 0(4),short_mask  short PSW mask at absolute 0
    a.lghi(4, 1); // lghi  %r4,1
    a.diag(2, 4, 0, 0x308); // diag  %r2,%r4,0x308    subcode 1 -> 0x6c
    assert!(a.at() <= 0xe00);
    a.b.resize(0xe00, 0);
    // restarted (B+0xe00): where the reset sequence's operating-load continues.
    a.diag(0, 0, 0, 0x44); // diag  %r0,%r0,0x44      -> 0x6c
    let mut img = a.b;
    img.resize(SIZE, 0);
    Asm::data(&mut img, DATA, &0x0008_0000u32.to_be_bytes());
    Asm::data(&mut img, SCCB, &ipib());
    Asm::data(&mut img, UVCB, &[0x00, 0x30, 0x10, 0x00]);
    img
}

/// A third program: STSI 1.1.1 (0x68, SYSIB through the SIDA), SIGP sense (0x6c, CC 0),
/// SIGP stop and store status (0x68, CC and status from the host), DIAG 0x9c (0x6c),
/// DIAG 0x288 (0x68, CC from the host), TSCH (0x68, GR1, CC), then an enabled wait for
/// I/O whose injected interruption parameter the handler records.
pub fn program3() -> Vec<u8> {
    use off::*;
    let r = |s: u64| (RES + s) as u32;
    let mut a = Asm::default();
    a.larl(12, 0); // larl  %r12,.
    a.mvc(0, 0x1f0, 8, 12, (DATA + 8) as u16); // mvc 0x1f0(8),mask64    I/O new PSW mask
    a.larl(1, 0xe80); // larl  %r1,io_handler
    a.stg(1, 0, 0x1f8); // stg   %r1,0x1f8        I/O new PSW address
    a.lgfi(0, 0x1000_0001); // lgfi  %r0,0x10000001   STSI fc 1, selector 1
    a.lghi(1, 1); // lghi  %r1,1            selector 2
    a.larl(2, SCCB); // larl  %r2,sysib
    a.stsi(2, 0); // stsi  0(%r2)           -> 0x68, SYSIB from the SIDA
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(0x30)); // stg   %r5,res+0x30(%r12)
    a.lghi(3, 1); // lghi  %r3,1            CPU address 1
    a.sigp(4, 3, 0, 1); // sigp  %r4,%r3,1        sense -> 0x6c
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(0x28)); // stg   %r5,res+0x28(%r12)
    a.sigp(4, 3, 0, 9); // sigp  %r4,%r3,9        stop and store status -> 0x68
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(0x20)); // stg   %r5,res+0x20(%r12)
    a.stg(4, 12, r(0x18)); // stg   %r4,res+0x18(%r12) status from the host
    a.lghi(6, 7); // lghi  %r6,7
    a.diag(6, 0, 0, 0x9c); // diag  %r6,%r0,0x9c      directed yield -> 0x6c
    a.diag(6, 0, 0, 0x288); // diag  %r6,%r0,0x288     watchdog -> 0x68
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(0x10)); // stg   %r5,res+0x10(%r12)
    a.lgfi(1, 0x0001_0000); // lgfi  %r1,0x10000       subchannel id
    a.tsch(2, 0); // tsch  0(%r2)           -> 0x68
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(0x08)); // stg   %r5,res+8(%r12)
    a.lctlg(6, 6, 12, (DATA + 0x18) as u32); // lctlg %c6,%c6,cr6     ISC 3
    a.lpswe(12, (DATA + 0x20) as u16); // lpswe io_wait(%r12)   enabled wait -> 0x1c
    assert!(a.at() <= 0xe80);
    a.b.resize(0xe80, 0);
    // io_handler (B+0xe80):
    a.llgf(6, 0, 0xbc); // llgf  %r6,0xbc         I/O interruption parameter
    a.stg(6, 12, r(0)); // stg   %r6,res+0(%r12)
    a.lpswe(12, (DATA + 0x30) as u16); // lpswe done_psw(%r12)  disabled wait
    let mut img = a.b;
    img.resize(SIZE, 0);
    Asm::data(&mut img, DATA + 8, &0x0000_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, DATA + 0x18, &0x1000_0000u64.to_be_bytes());
    Asm::data(&mut img, DATA + 0x20, &0x0202_0001_8000_0000u64.to_be_bytes());
    Asm::data(&mut img, DATA + 0x30, &0x0002_0001_8000_0000u64.to_be_bytes());
    img
}
