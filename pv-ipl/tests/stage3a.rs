//! Our stage3a loader ([`pv_ipl::loaders::STAGE3A`]) booted on pv-emu: `create_image`
//! writes an SE image with both of our loaders; the test loads it at absolute 0, starts a
//! CPU at the short PSW at 0 as an IPL does (se-format.md §3.2) and plays the hypervisor
//! for the DIAG 308s stage3a issues, answering them with pv-ipl's own DIAG 308 model
//! (uv-spec.md §6) or with the responses a case needs (se-format.md §3.4).
#![cfg(feature = "std")]

mod loader_support;

use std::io::Cursor;
use std::sync::OnceLock;

use loader_support::builder;
use pv_core::{Psw, be};
use pv_emu::decode::{Fields, Op};
use pv_emu::disasm::{self, NoSymbols};
use pv_emu::exec::reset::ResetKind;
use pv_emu::ram::Ram;
use pv_emu::{Cpu, Exit};
use pv_header::rand::CounterRandom;
use pv_ipl::diag308::{
    Diag308Config, Diag308Outcome, Diag308Request, Diag308State, ResetKind as IplReset,
    ResponseCode, kvm_pv_cmd, pv_start_failure_word, subcode,
};
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};
use pv_ipl::ipib::Ipib;
use pv_ipl::layout::{ImageLayout, MIN_HDR_ADDR, STAGE3A_ADDR, STAGE3A_ENTRY, default_ipl_psw};
use pv_ipl::loader_args::{STAGE3A_ARGS_LEN, Stage3aArgs};
use pv_ipl::loaders::{
    LoaderFailure, STAGE3A, STAGE3A_ARGS_OFFSET, STAGE3A_ENTRY_OFFSET, STAGE3A_IPIB_REG,
    STAGE3A_RESULT_ADDR, STAGE3A_RESULT_OFFSET, STAGE3A_RESULT_REG, STAGE3B, Stage3aFailure,
};

/// Storage of the simulated guest.
const RAM_SIZE: usize = 1 << 20;
/// Instructions a run may take (stage3a needs a few dozen).
const BUDGET: u64 = 100_000;
/// Facility 161 (secure unpack): doubleword 2, bit 161 - 128 = 33.
const FAC_UNPACK: (usize, u64) = (2, 1 << (63 - 33));
/// The IPIB's PV header fields (se-format.md §3.6).
const IPIB_HDR_ADDR: usize = 0x78;
const IPIB_HDR_SIZE: usize = 0x80;
/// stage3a's data area (wait PSW, STFLE list, result slot) before its argument block.
const DATA_LEN: usize = 48;

/// An image written by `create_image` with both of our loaders.
struct Image {
    bytes: Vec<u8>,
    layout: ImageLayout,
    ipib: Ipib,
}

fn make_image(options: &CreateOptions) -> Image {
    let kernel: Vec<u8> = (0..0x12345).map(|i| (i * 13 + 5) as u8).collect();
    let line = b"console=ttysclp0";
    let inputs = ImageInputs {
        kernel: &mut &kernel[..],
        ramdisk: None,
        cmdline: Some(&mut &line[..]),
        stage3a: Some(STAGE3A),
        stage3b: Some(STAGE3B),
    };
    let mut out = Cursor::new(Vec::new());
    let mut rng = CounterRandom::new(b"pv-ipl stage3a");
    let s = create_image(&mut out, builder(), inputs, options, &mut rng).unwrap();
    Image { bytes: out.into_inner(), layout: s.layout, ipib: s.ipib }
}

/// The image with the default options, made once.
fn image() -> &'static Image {
    static IMAGE: OnceLock<Image> = OnceLock::new();
    IMAGE.get_or_init(|| make_image(&CreateOptions::default()))
}

/// A loaded machine: storage with the image at 0 and the IPL CPU.
struct Machine {
    ram: Ram,
    cpu: Cpu,
    /// The subcodes of the DIAG 308s seen so far.
    subcodes: Vec<u64>,
}

/// What the test's hypervisor does after a DIAG 308.
enum Then {
    /// Let the CPU continue after the DIAG.
    Continue,
    /// The CPU has left non-secure mode (subcode 10 succeeded): stop running it.
    Secure,
}

impl Machine {
    /// Loads `img` at absolute 0 and starts the CPU at the short PSW at 0, expanded as
    /// "load normal" does (bit 12 dropped, the address from bits 33-63), with facility 161
    /// if `unpack`.
    fn ipl(img: &Image, unpack: bool) -> Self {
        let mut ram = Ram::new(RAM_SIZE);
        ram.bytes_mut()[..img.bytes.len()].copy_from_slice(&img.bytes);
        let short = be::get_u64(ram.bytes(), 0).unwrap();
        let mut cpu = Cpu::new();
        cpu.state.psw = Psw::from_short(short).unwrap();
        if unpack {
            cpu.model.facilities[FAC_UNPACK.0] |= FAC_UNPACK.1;
        } else {
            assert_eq!(cpu.model.facilities[FAC_UNPACK.0] & FAC_UNPACK.1, 0);
        }
        Self { ram, cpu, subcodes: Vec::new() }
    }

    /// Runs until a disabled wait (`Some(psw)`) or until `hv` reports secure mode (`None`).
    /// Every exit must be a `DIAG R1,R3,0x308`; `hv` handles it.
    fn run(
        &mut self,
        mut hv: impl FnMut(&mut Cpu, &mut Ram, &Diag308Request) -> Then,
    ) -> Option<Psw> {
        loop {
            match self.cpu.run(&mut self.ram, BUDGET) {
                Exit::Instruction { insn, addr } => {
                    let Fields::Rs(f) = insn.fields else { panic!("{addr:#x}: {insn:?}") };
                    assert_eq!((insn.op, f.b2, f.d2), (Op::Diag, 0, 0x308), "{addr:#x}");
                    let st = &self.cpu.state;
                    let req =
                        Diag308Request::from_regs(f.r1, f.r3, &st.gr, st.psw.is_problem_state());
                    assert_eq!(f.r1 % 2, 0, "R1 must be even");
                    self.subcodes.push(req.subcode);
                    if let Then::Secure = hv(&mut self.cpu, &mut self.ram, &req) {
                        return None;
                    }
                }
                Exit::Wait { enabled: false } => return Some(self.cpu.state.psw),
                other => panic!("{other:?} at {:x?}", self.cpu.state.psw),
            }
        }
    }

    /// The doubleword in stage3a's result slot.
    fn result_slot(&self) -> u64 {
        be::get_u64(self.ram.bytes(), STAGE3A_RESULT_ADDR as usize).unwrap()
    }
}

/// The hypervisor of a machine with facility 161: pv-ipl's DIAG 308 model answers; a
/// subcode 10 that the model turns into the PV reset counts as entering secure mode.
fn model_hv(
    state: &mut Diag308State,
    cfg: Diag308Config,
) -> impl FnMut(&mut Cpu, &mut Ram, &Diag308Request) -> Then + '_ {
    move |cpu, ram, req| match state.execute(&cfg, req, ram) {
        Diag308Outcome::Response { reg, rc } => {
            cpu.state.set_g(reg, u64::from(rc.code()));
            Then::Continue
        }
        Diag308Outcome::Reset(IplReset::Pv) => Then::Secure,
        other => panic!("unexpected DIAG 308 outcome {other:?}"),
    }
}

const WITH_UNPACK: Diag308Config = Diag308Config { unpack_facility: true, huge_pages: false };

/// Boots `img` with pv-ipl's DIAG 308 model, requires secure mode to be entered after
/// exactly subcodes 8 and 10, and checks what stage3a left in storage.
fn boots_into_secure_mode(img: &Image) {
    let mut m = Machine::ipl(img, true);
    // Scribble over the IPIB's header fields: stage3a must write them itself.
    let ipib = img.layout.ipib.addr as usize;
    m.ram.bytes_mut()[ipib + IPIB_HDR_ADDR..ipib + IPIB_HDR_SIZE + 8].fill(0xee);
    let mut state = Diag308State::new();
    let mut seen_at_set = None;
    let mut hv = model_hv(&mut state, WITH_UNPACK);
    let end = m.run(|cpu, ram, req| {
        if req.subcode == subcode::PV_SET {
            // R1 holds the image's IPIB, which now names the header.
            assert_eq!(req.addr, img.layout.ipib.addr);
            let parsed = Ipib::parse(&ram.bytes()[req.addr as usize..]).unwrap();
            seen_at_set = Some(parsed);
        }
        hv(cpu, ram, req)
    });
    assert_eq!(end, None, "stage3a did not enter secure mode");
    assert_eq!(m.subcodes, [subcode::PV_SET, subcode::PV_START]);
    drop(hv);

    let parsed = seen_at_set.unwrap();
    assert_eq!(parsed, img.ipib);
    let pv = parsed.pv().unwrap();
    assert_eq!((pv.hdr_addr, pv.hdr_size), (img.layout.header.addr, img.layout.header.size));
    assert_eq!(pv.hdr_addr, MIN_HDR_ADDR);
    pv.check_unpack_rules().unwrap();
    // The model saved exactly the image's IPIB.
    assert_eq!(state.pv_ipib(), Some(&img.ipib.to_bytes().unwrap()[..]));
    // The IPIB, as in the image, is the only change outside stage3a's data area.
    let data = STAGE3A_ADDR as usize + STAGE3A_ARGS_OFFSET - DATA_LEN;
    let ram = m.ram.bytes();
    assert!(ram[..data] == img.bytes[..data], "storage below the data area changed");
    let after = data + DATA_LEN;
    assert!(ram[after..img.bytes.len()] == img.bytes[after..], "storage after it changed");
    assert!(ram[img.bytes.len()..].iter().all(|&b| b == 0));
}

#[test]
fn stage3a_sets_the_pv_ipib_and_enters_secure_mode() {
    let img = image();
    // The default IPL PSW: 64-bit addressing at the main entry, as pvimg writes it.
    let info = ImageInfo::from_bytes(&img.bytes).unwrap();
    assert_eq!(info.ipl_psw, Some(default_ipl_psw()));
    assert_eq!(default_ipl_psw(), Psw::new_64bit(STAGE3A_ENTRY));
    assert_eq!(info.metadata.unwrap().ipib_off, img.layout.ipib.addr);
    assert!(info.loader_present);
    boots_into_secure_mode(img);
}

#[test]
fn stage3a_runs_from_a_31_bit_or_init_entry_psw() {
    // A short PSW selecting 31-bit addressing: SAM64 comes first.
    let psw31 = Psw { mask: 0x0000_0000_8000_0000, addr: STAGE3A_ENTRY };
    let img = make_image(&CreateOptions { ipl_psw: psw31, ..CreateOptions::default() });
    let m = Machine::ipl(&img, true);
    assert_eq!(m.cpu.state.psw, psw31);
    boots_into_secure_mode(&img);
    // The init entry at 0x10000 jumps to the main entry.
    let init = Psw::new_64bit(STAGE3A_ADDR);
    let img = make_image(&CreateOptions { ipl_psw: init, ..CreateOptions::default() });
    boots_into_secure_mode(&img);
}

#[test]
fn stage3a_layout_keeps_the_header_at_0x14000() {
    let img = image();
    let s3a = img.layout.stage3a.unwrap();
    assert_eq!((s3a.addr, s3a.size), (STAGE3A_ADDR, STAGE3A.len() as u64));
    // se-format.md §3.1: stage3a's data must end below 0x13000.
    assert!(s3a.end() < 0x13000);
    assert_eq!(img.layout.header.addr, 0x14000);
    // The writer placed the binary with the argument block the layout says.
    let at = STAGE3A_ADDR as usize;
    let placed = &img.bytes[at..at + STAGE3A.len()];
    assert_eq!(&placed[..STAGE3A_ARGS_OFFSET], &STAGE3A[..STAGE3A_ARGS_OFFSET]);
    let args = Stage3aArgs::parse(&placed[STAGE3A_ARGS_OFFSET..]).unwrap();
    assert_eq!(Some(args), img.layout.stage3a_args());
    let block = STAGE3A_ADDR + STAGE3A_ARGS_OFFSET as u64;
    assert_eq!(args.resolve(block).unwrap(), (0x14000, img.layout.ipib.addr));
}

#[test]
fn stage3a_without_facility_161_waits() {
    let mut m = Machine::ipl(image(), false);
    let psw = m.run(|_, _, req| panic!("no DIAG expected, got {req:?}")).unwrap();
    assert_eq!(Stage3aFailure::from_psw(&psw), Some(Stage3aFailure::NoUnpackFacility));
    assert_eq!(m.cpu.state.g(STAGE3A_RESULT_REG), 0);
    assert_eq!(m.cpu.state.g(STAGE3A_IPIB_REG), image().layout.ipib.addr);
    assert_eq!(m.result_slot(), 0);
}

#[test]
fn stage3a_rejects_an_unaligned_ipib() {
    let img = image();
    let mut m = Machine::ipl(img, true);
    let at = STAGE3A_ADDR as usize + STAGE3A_ARGS_OFFSET;
    let mut args = Stage3aArgs::parse(&m.ram.bytes()[at..at + STAGE3A_ARGS_LEN]).unwrap();
    args.ipib_offs += 8;
    m.ram.bytes_mut()[at..at + STAGE3A_ARGS_LEN].copy_from_slice(&args.to_bytes());
    let psw = m.run(|_, _, req| panic!("no DIAG expected, got {req:?}")).unwrap();
    assert_eq!(psw, Stage3aFailure::IpibNotAligned.wait_psw());
    assert_eq!(m.cpu.state.g(STAGE3A_IPIB_REG), img.layout.ipib.addr + 8);
    // Nothing was written outside stage3a's data area (and the block the test patched).
    let (data, after) = (at - DATA_LEN, at + STAGE3A_ARGS_LEN);
    assert!(m.ram.bytes()[..data] == img.bytes[..data], "storage below the data area changed");
    assert!(m.ram.bytes()[after..img.bytes.len()] == img.bytes[after..], "storage changed");
}

/// Subcode 8 answered `rc`: stage3a waits with it in GR3 and the result slot.
fn set_rejected_with(rc: u64) {
    let mut m = Machine::ipl(image(), true);
    let psw = m
        .run(|cpu, _, req| {
            assert_eq!(req.subcode, subcode::PV_SET);
            cpu.state.set_g(req.response_reg(), rc);
            Then::Continue
        })
        .unwrap();
    assert_eq!(Stage3aFailure::from_psw(&psw), Some(Stage3aFailure::PvSetRejected));
    assert_eq!(m.subcodes, [subcode::PV_SET]);
    assert_eq!(m.cpu.state.g(STAGE3A_RESULT_REG), rc);
    assert_eq!(m.result_slot(), rc);
}

#[test]
fn stage3a_stops_when_subcode_8_fails() {
    set_rejected_with(u64::from(ResponseCode::Invalid.code()));
    set_rejected_with(u64::from(ResponseCode::NoConf.code()));
    // Only the whole doubleword 0x0001 is success.
    set_rejected_with(0x0001_0000_0000_0001);
    set_rejected_with(0);

    // pv-ipl's DIAG 308 model rejects an IPIB whose tweak prefixes are not increasing.
    let img = image();
    let mut m = Machine::ipl(img, true);
    let comp0 = img.layout.ipib.addr as usize + 0x88;
    let (a, b) = m.ram.bytes_mut()[comp0..comp0 + 48].split_at_mut(24);
    a[..8].swap_with_slice(&mut b[..8]);
    let mut state = Diag308State::new();
    let psw = m.run(model_hv(&mut state, WITH_UNPACK)).unwrap();
    assert_eq!(psw, Stage3aFailure::PvSetRejected.wait_psw());
    assert_eq!(m.cpu.state.g(STAGE3A_RESULT_REG), 0x0402);
    assert_eq!(state.pv_ipib(), None);
}

/// Subcode 8 succeeds and subcode 10 comes back with `word` in R1+1, after the CPU reset
/// the hypervisor does before it tries to enter secure mode: stage3a waits with the word
/// in GR3 and the result slot.
fn start_failing_with(word: u64) {
    let mut m = Machine::ipl(image(), true);
    let mut state = Diag308State::new();
    let mut hv = model_hv(&mut state, WITH_UNPACK);
    let psw = m
        .run(|cpu, ram, req| {
            if req.subcode != subcode::PV_START {
                return hv(cpu, ram, req);
            }
            cpu.reset(ResetKind::Cpu);
            cpu.stopped = false;
            cpu.state.set_g(req.response_reg(), word);
            Then::Continue
        })
        .unwrap();
    assert_eq!(Stage3aFailure::from_psw(&psw), Some(Stage3aFailure::PvStartFailed));
    assert_eq!(m.subcodes, [subcode::PV_SET, subcode::PV_START]);
    assert_eq!(m.cpu.state.g(STAGE3A_RESULT_REG), word);
    assert_eq!(m.result_slot(), word);
}

#[test]
fn stage3a_stops_when_subcode_10_returns() {
    // se-format.md §6.4: unpack failed with a PLD mismatch (rc 0x0102, rrc 0x1b).
    let word = pv_start_failure_word(kvm_pv_cmd::UNPACK, 0x0102, 0x001b);
    assert_eq!(word, 0x0003_001b_0102_0a02);
    start_failing_with(word);
    start_failing_with(pv_start_failure_word(kvm_pv_cmd::SET_SEC_PARMS, 0x0108, 0x0005));
    start_failing_with(u64::from(ResponseCode::NoPvConf.code()));

    // pv-ipl's DIAG 308 model with huge pages answers 0x0a02 itself.
    let mut m = Machine::ipl(image(), true);
    let mut state = Diag308State::new();
    let cfg = Diag308Config { huge_pages: true, ..WITH_UNPACK };
    let psw = m.run(model_hv(&mut state, cfg)).unwrap();
    assert_eq!(psw, Stage3aFailure::PvStartFailed.wait_psw());
    assert_eq!(m.cpu.state.g(STAGE3A_RESULT_REG), 0x0a02);
    assert_eq!(m.result_slot(), 0x0a02);
}

#[test]
fn stage3a_disassembles_and_has_an_empty_argument_block() {
    assert_eq!(STAGE3A.len() % 8, 0);
    assert_eq!(STAGE3A_ARGS_OFFSET, STAGE3A.len() - 24);
    assert_eq!(STAGE3A_RESULT_OFFSET, STAGE3A_ARGS_OFFSET - 8);
    assert!(STAGE3A[STAGE3A_ARGS_OFFSET..].iter().all(|&b| b == 0));
    // The data area is zero too; everything before it is code or nopr padding.
    let data = STAGE3A_ARGS_OFFSET - DATA_LEN;
    assert!(STAGE3A[data..].iter().all(|&b| b == 0));
    let code = &STAGE3A[..data];
    let mut at = 0;
    let mut mnemonics = Vec::new();
    let mut entry_seen = false;
    while at < code.len() {
        let (text, len) = disasm::disassemble(&code[at..], at as u64, &NoSymbols);
        assert!(!text.starts_with('.'), "{at:#x}: {text}");
        entry_seen |= at as u64 == STAGE3A_ENTRY_OFFSET;
        mnemonics.push(text.split('\t').next().unwrap().to_string());
        at += len;
    }
    assert_eq!(at, code.len());
    assert!(entry_seen, "no instruction starts at the main entry");
    assert_eq!(mnemonics[0], "j");
    for m in ["sam64", "larl", "stfle", "diag", "lpswe"] {
        assert!(mnemonics.iter().any(|x| x == m), "no {m}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// Any subcode-8 response but 0x0001 stops stage3a with that response; any word
    /// subcode 10 comes back with is reported unchanged.
    #[test]
    fn stage3a_reports_any_response(
        rc in proptest::num::u64::ANY,
        word in proptest::num::u64::ANY,
    ) {
        if rc != 1 {
            set_rejected_with(rc);
        }
        start_failing_with(word);
    }
}
