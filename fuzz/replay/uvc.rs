//! The checks of the pv-ultravisor `uvc` fuzz target, shared by the target and the stable
//! replay `pv-ultravisor/tests/uvc_fuzz_corpus.rs` (both include this file with
//! `#[path]`): raw UVCB bytes through the host dispatcher (`host_uvc`) of a small z16
//! model and through `guest_uvc` of a secure CPU. The typed hostile-host property test
//! (`tests/hostile_host.rs`) covers well-formed sequences; this one feeds bytes.
#![allow(dead_code)]

use std::sync::OnceLock;

use pv_core::uvc::uvcb::{CgcUvcb, CscUvcb, InitUvcb};
use pv_core::uvc::{Ultravisor as _, UvcCmd, UvcInstr, UvcOutcome, call};
use pv_core::{GuestAbs, Storage};
use pv_header::ecc::CustomerKey;
use pv_ultravisor::{GuestUvcOutcome, MachineGeneration, MachineSpec, Ultravisor};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
/// Machine storage (sparse): the UV's storage must lie at or above 2 GiB.
pub const STORAGE: u64 = 2 * GIB + 64 * MIB;
/// Where host UVCBs go by default.
pub const UVCB_AT: u64 = 0x1_0000;
/// The UV base storage (Initialize).
pub const UV_BASE: u64 = 2 * GIB;
/// Guest storage of the one configuration.
pub const GUEST_MSO: u64 = 16 * MIB;
/// Its length.
pub const GUEST_MSL: u64 = 8 * MIB;
const CONF_BASE: u64 = 2 * GIB + 2 * MIB;
const CONF_VAR: u64 = 2 * GIB + 4 * MIB;
const CPU_STOR: u64 = 2 * GIB + 8 * MIB;
const SCA: u64 = 0x2_0000;
const SIE: u64 = 0x3_0000;

fn spec() -> MachineSpec {
    static S: OnceLock<MachineSpec> = OnceLock::new();
    S.get_or_init(|| {
        let pem = include_str!("../../pv-ultravisor/tests/assets/keys/host.key");
        MachineSpec::preset(MachineGeneration::Z16)
            .with_host_key(CustomerKey::from_pem(pem).unwrap())
            .with_storage_size(STORAGE)
            .with_limits(|l| {
                l.uv_base_stor_len = MIB;
                l.conf_base_phys_stor_len = 0x4000;
                l.conf_base_virt_stor_len = 0x2000;
                l.cpu_stor_len = 0x2000;
                l.max_num_sec_conf = 2;
                l.max_guest_cpu_id = 3;
            })
    })
    .clone()
}

/// The typed setup UVCBs: Initialize, Create Configuration, Create CPU.
pub fn setup_uvcbs() -> (InitUvcb, CgcUvcb, CscUvcb) {
    let init = InitUvcb { stor_origin: UV_BASE, stor_len: MIB };
    let cgc = CgcUvcb {
        guest_handle: 0,
        conf_base_stor_origin: CONF_BASE,
        conf_virt_stor_origin: CONF_VAR,
        flags: 0,
        guest_stor_origin: GUEST_MSO,
        guest_stor_len: GUEST_MSL,
        guest_sca: SCA,
        guest_asce: 0x100_0000 | 0x100 | 0x3,
    };
    let csc = CscUvcb {
        cpu_handle: 0,
        guest_handle: 0,
        stor_origin: CPU_STOR,
        num: 0,
        state_origin: SIE,
    };
    (init, cgc, csc)
}

/// Host addresses a step may put its UVCB at.
const HOST_AT: [u64; 8] = [
    UVCB_AT,
    UVCB_AT + 0xff8,
    UVCB_AT + 3,
    UV_BASE,
    GUEST_MSO,
    CONF_BASE,
    STORAGE - 0x100,
    STORAGE + 0x1000,
];
/// Guest addresses.
const GUEST_AT: [u64; 4] = [0x1000, 0x1ff8, GUEST_MSL - 0x100, GUEST_MSL + 0x1000];

/// What one input reached.
#[derive(Debug, Default, Clone, Copy)]
pub struct Reach {
    /// Host calls that completed with rc 1.
    pub host_ok: usize,
    /// Guest calls that completed.
    pub guest_done: usize,
}

fn outcome_matches(out: UvcOutcome, before: &[u8], after: Option<Vec<u8>>) {
    let Some(after) = after else { return };
    match out {
        UvcOutcome::Completed { rc, rrc, .. } if after.len() >= 8 => {
            assert_eq!(after[4..8], [rc.to_be_bytes(), rrc.to_be_bytes()].concat());
        }
        UvcOutcome::Program { .. } => assert!(after == before, "a suppressed UVC stored"),
        _ => {}
    }
}

/// UVC programs: byte 0 selects the setup (bit 0 Initialize, bit 1 also a configuration
/// and a CPU), then steps `kind sel len_hi len_lo` and `len` UVCB bytes (at most 0x200):
/// `kind` bit 7 issues the call from the guest CPU, bits 0-1 spoil the instruction
/// (1 problem state, 2 M4 ≠ 0, 3 I3 ≠ 0), bit 6 stores the handle of the configuration
/// (bit 5: of the CPU) at UVCB offset 0x18, where most UVCBs take it; `sel` bits 0-2 pick the
/// address, bit 7 replaces the command code by a known one (`sel` bits 3-6 and the
/// second byte) and the length by the input's. Every call must return without a model
/// error, store rc/rrc when it completes and nothing when it is suppressed, and leave the
/// ultravisor's tables consistent.
pub fn check(data: &[u8]) -> Reach {
    let mut reach = Reach::default();
    let Some((&setup, mut rest)) = data.split_first() else { return reach };
    let mut uv = Ultravisor::new(spec());
    let (init, cgc, mut csc) = setup_uvcbs();
    let (mut cfg, mut cpu) = (0u64, 0u64);
    if setup & 3 != 0 {
        let (o, _) = call(&mut uv, UVCB_AT, &init).unwrap();
        assert!(o.is_ok(), "{o:?}");
    }
    if setup & 3 == 3 {
        let (o, c) = call(&mut uv, UVCB_AT, &cgc).unwrap();
        assert!(o.is_ok(), "{o:?}");
        cfg = c.guest_handle;
        csc.guest_handle = cfg;
        let (o, c) = call(&mut uv, UVCB_AT, &csc).unwrap();
        assert!(o.is_ok(), "{o:?}");
        cpu = c.cpu_handle;
    }
    while rest.len() >= 4 {
        let (kind, sel) = (rest[0], rest[1]);
        let len =
            usize::from(u16::from_be_bytes([rest[2], rest[3]])).min(rest.len() - 4).min(0x200);
        let mut uvcb = rest[4..4 + len].to_vec();
        rest = &rest[4 + len..];
        if sel & 0x80 != 0 && uvcb.len() >= 4 {
            let all = UvcCmd::ALL;
            let c = all[(usize::from(sel >> 3 & 0xf) + usize::from(uvcb[1])) % all.len()];
            uvcb[0..2].copy_from_slice(&(len as u16).to_be_bytes());
            uvcb[2..4].copy_from_slice(&c.code().to_be_bytes());
        }
        for (bit, handle) in [(0x40, cfg), (0x20, cpu)] {
            if kind & bit != 0 && uvcb.len() >= 0x20 {
                uvcb[0x18..0x20].copy_from_slice(&handle.to_be_bytes());
            }
        }
        let mut instr = UvcInstr::at(0);
        match kind & 3 {
            1 => instr.problem_state = true,
            2 => instr.m4 = 1 + (sel & 0xe),
            3 => instr.i3 = 1,
            _ => {}
        }
        if kind & 0x80 != 0 && cpu != 0 {
            instr.uvcb = GUEST_AT[usize::from(sel & 3)];
            let mut g = uv.guest_storage(cpu).unwrap();
            let placed = g.write(GuestAbs(instr.uvcb), &uvcb).is_ok();
            let out = uv.guest_uvc(cpu, instr).expect("no model error");
            if let GuestUvcOutcome::Done(o) = out {
                reach.guest_done += 1;
                if placed {
                    let mut back = vec![0u8; uvcb.len()];
                    let g = uv.guest_storage(cpu).unwrap().read(GuestAbs(instr.uvcb), &mut back);
                    outcome_matches(o, &uvcb, g.ok().map(|()| back));
                }
            }
        } else {
            instr.uvcb = HOST_AT[usize::from(sel & 7)];
            let placed = uv.host_storage().write(GuestAbs(instr.uvcb), &uvcb).is_ok();
            let out = uv.host_uvc(instr).expect("no model error");
            if placed {
                let mut back = vec![0u8; uvcb.len()];
                let r = uv.host_storage().read(GuestAbs(instr.uvcb), &mut back);
                outcome_matches(out, &uvcb, r.ok().map(|()| back));
            }
            reach.host_ok += usize::from(matches!(out, UvcOutcome::Completed { rc: 1, .. }));
        }
        uv.check_consistency().expect("consistent tables");
    }
    reach
}
