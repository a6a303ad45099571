//! The dispatcher's generic checks (uv-spec.md §9 item 2, §1.1-§1.4): each check tripped
//! alone gives exactly its exception or rc, and tripping two shows which comes first.

mod support;

use pv_core::uvc::guest::QuiUvcb;
use pv_core::uvc::uvcb::InitUvcb;
use pv_core::uvc::{
    HandleField, Issuer, NodataUvcb, UvcCmd, UvcInstr, UvcOutcome, Uvcb, UvcbHeader, rc,
};
use pv_ultravisor::MachineGeneration;
use support::*;

fn program(code: u16) -> UvcOutcome {
    UvcOutcome::Program { code }
}

fn done(rc: u16) -> UvcOutcome {
    UvcOutcome::completed(rc, 0)
}

/// A UVCB image of `cmd` with its required length and all fields zero.
fn image(cmd: UvcCmd) -> Vec<u8> {
    let len = cmd.info().len.max_len();
    let mut b = vec![0u8; usize::from(len)];
    UvcbHeader::new(cmd, len).write(&mut b);
    b
}

#[test]
fn privileged_then_specification_then_access() {
    let mut h = Host::new(MachineGeneration::Z16);
    let init = InitUvcb { stor_origin: UV_BASE, stor_len: 16 * MIB }.to_image();
    let init = &init[..0x48];
    let end = h.uv.spec().storage_size;
    let problem = UvcInstr { problem_state: true, ..UvcInstr::default() };
    let i3 = UvcInstr { i3: 4, m4: 2, ..UvcInstr::default() };
    // Problem state: PGM 0x02, even with I3 set.
    assert_eq!(h.raw(UVCB, init, problem), program(0x02));
    assert_eq!(h.raw(UVCB, init, UvcInstr { i3: 4, ..problem }), program(0x02));
    // I3 (and M4): PGM 0x06, even for a UVCB outside storage.
    assert_eq!(h.raw(UVCB, init, i3), program(0x06));
    assert_eq!(h.raw(UVCB, init, UvcInstr { m4: 1, ..UvcInstr::default() }), program(0x06));
    use pv_core::uvc::Ultravisor as _;
    assert_eq!(h.uv.host_uvc(UvcInstr { uvcb: end, ..i3 }).unwrap(), program(0x06));
    // UVCB outside storage: page translation.
    assert_eq!(h.uv.host_uvc(UvcInstr::at(end)).unwrap(), program(0x11));
    // Only the part after the 8-byte header is outside: still page translation...
    assert_eq!(h.raw(end - 8, &init[..8], UvcInstr::default()), program(0x11));
    // ...but an unknown command's UVCB is only its header: rc 0x0002.
    let unknown = UvcbHeader { len: 0x48, cmd: 0x0003, rc: 0, rrc: 0 };
    let mut b = [0u8; 8];
    unknown.write(&mut b);
    assert_eq!(h.raw(end - 8, &b, UvcInstr::default()), done(rc::INV_CMD));
    // The UV is initialized and its storage is donated: a UVCB there gives PGM 0x3d.
    assert_eq!(h.raw(UVCB, init, UvcInstr::default()), done(rc::EXECUTED));
    assert_eq!(h.uv.host_uvc(UvcInstr::at(UV_BASE)).unwrap(), program(0x3d));
}

#[test]
fn command_then_length_then_initialization_then_handle() {
    let mut h = Host::new(MachineGeneration::Z15);
    // Unknown command (with a wrong length): 0x0002 wins.
    let mut b = image(UvcCmd::Init);
    b[2..4].copy_from_slice(&0x0123u16.to_be_bytes());
    b[..2].copy_from_slice(&0x10u16.to_be_bytes());
    assert_eq!(h.raw(UVCB, &b, UvcInstr::default()), done(rc::INV_CMD));
    // Guest commands from the host and commands not installed here (z15: Query Keys,
    // dump): 0x0002.
    for cmd in [UvcCmd::SetShared, UvcCmd::Attest, UvcCmd::QueryKeys, UvcCmd::DumpInit] {
        assert_eq!(h.raw(UVCB, &image(cmd), UvcInstr::default()), done(rc::INV_CMD), "{cmd:?}");
    }
    // Wrong length on an uninitialized UV: 0x0005 before 0x0003.
    let mut b = image(UvcCmd::CreateConfig);
    b[..2].copy_from_slice(&0x78u16.to_be_bytes());
    assert_eq!(h.raw(UVCB, &b, UvcInstr::default()), done(rc::INV_LEN));
    // Uninitialized: every host command but Initialize and Query answers 0x0003, even
    // with invalid handles.
    let limits = h.limits();
    for &cmd in UvcCmd::ALL {
        let i = cmd.info();
        let installed = limits.host_calls.installs(cmd);
        if i.issuer == Issuer::Guest || !installed || matches!(cmd, UvcCmd::Init | UvcCmd::Qui) {
            continue;
        }
        assert_eq!(h.raw(UVCB, &image(cmd), UvcInstr::default()), done(rc::INV_STATE), "{cmd:?}");
    }
    // Initialized: invalid handles give 0x0020 / 0x0021.
    h.init();
    for &cmd in UvcCmd::ALL {
        let i = cmd.info();
        if i.issuer == Issuer::Guest || !limits.host_calls.installs(cmd) {
            continue;
        }
        let want = match i.handle {
            HandleField::Config(_) => rc::INV_GHANDLE,
            HandleField::Cpu(_) => rc::INV_CHANDLE,
            HandleField::None => continue,
        };
        let mut b = image(cmd);
        if let HandleField::Config(off) | HandleField::Cpu(off) = i.handle {
            b[off..off + 8].copy_from_slice(&0xdead_beefu64.to_be_bytes());
        }
        assert_eq!(h.raw(UVCB, &b, UvcInstr::default()), done(want), "{cmd:?}");
    }
    // Length: len - 8 and len + 8 give 0x0005 for every installed host command but QUI.
    for &cmd in UvcCmd::ALL {
        if cmd.info().issuer == Issuer::Guest
            || !limits.host_calls.installs(cmd)
            || cmd == UvcCmd::Qui
        {
            continue;
        }
        for delta in [-8i32, 8] {
            let mut b = image(cmd);
            let len = (b.len() as i32 + delta) as u16;
            b[..2].copy_from_slice(&len.to_be_bytes());
            b.resize(b.len() + 8, 0);
            assert_eq!(h.raw(UVCB, &b, UvcInstr::default()), done(rc::INV_LEN), "{cmd:?} {delta}");
        }
    }
}

#[test]
fn query_lengths_and_caller_specific_call_lists() {
    let mut h = Host::new(MachineGeneration::Z16);
    let full = QuiUvcb::default().to_image();
    let with_len = |len: u16| {
        let mut b = full[..0x120].to_vec();
        b[..2].copy_from_slice(&len.to_be_bytes());
        b.truncate(usize::from(len).max(8));
        b
    };
    // Before initialization QUI works: 0xa0 too short, 0xa8 and 0x100 "more data", 0x120
    // complete.
    assert_eq!(h.raw(UVCB, &with_len(0xa0), UvcInstr::default()), done(rc::INV_LEN));
    assert_eq!(h.raw(UVCB, &with_len(0xa8), UvcInstr::default()), done(rc::MORE_DATA));
    let b = h.read(UVCB, 0xa8).unwrap();
    assert_eq!(QuiUvcb::decode(&b).max_guest_cpu_id, 247, "data up to len is valid");
    assert_eq!(h.read(UVCB + 0xa8, 8).unwrap(), vec![0; 8], "nothing beyond len");
    assert_eq!(h.raw(UVCB, &with_len(0x100), UvcInstr::default()), done(rc::MORE_DATA));
    assert_eq!(h.raw(UVCB, &with_len(0x120), UvcInstr::default()), done(rc::EXECUTED));
    let q = h.qui();
    let l = h.limits();
    assert_eq!(q.inst_calls, l.host_calls.0);
    assert_eq!(q.uv_base_stor_len, l.uv_base_stor_len);
    assert_eq!(q.cpu_stor_len, l.cpu_stor_len);
    assert_eq!(q.supp_se_hdr_pcf, 0x3000_00e2);
    assert_eq!(q.supp_att_pflags, 0x7000_0000_0000_0000);
    // The host must not see Set/Remove Shared or attestation.
    let calls = pv_core::uvc::InstalledCalls(q.inst_calls);
    assert!(calls.has(1) && !calls.has(8) && !calls.has(9) && !calls.has(28));

    // A secure guest sees its own list and no host bit.
    h.init();
    let cfg = h.create_config();
    let cpu = h.create_cpu(cfg, 0);
    assert_eq!(h.rc(&pv_core::uvc::uvcb::CtsUvcb { guest_handle: cfg, gaddr: 0 }), (1, 0));
    let (out, q) = guest_call(&mut h.uv, cpu, 0, &QuiUvcb::default());
    assert!(matches!(out, pv_ultravisor::GuestUvcOutcome::Done(o) if o.is_ok()));
    let calls = pv_core::uvc::InstalledCalls(q.inst_calls);
    assert!(calls.has(0) && calls.has(8) && calls.has(9) && calls.has(28));
    assert!(!calls.has(1) && !calls.has(2) && !calls.has(17));
    // Host commands from a guest: 0x0002.
    for cmd in [UvcCmd::Init, UvcCmd::CreateConfig, UvcCmd::DestroyCpu, UvcCmd::SetCpuState] {
        let b = image(cmd);
        use pv_core::Storage;
        h.uv.guest_storage(cpu).unwrap().write(pv_core::GuestAbs(0), &b).unwrap();
        let out = h.uv.guest_uvc(cpu, UvcInstr::at(0)).unwrap();
        assert_eq!(out, pv_ultravisor::GuestUvcOutcome::Done(done(rc::INV_CMD)), "{cmd:?}");
    }
    // A guest UVCB on a non-secure page: the guest view's fault (PGM 0x3e).
    let out = h.uv.guest_uvc(cpu, UvcInstr::at(0x10_0000)).unwrap();
    assert_eq!(out, pv_ultravisor::GuestUvcOutcome::Done(program(0x3e)));
    // Guest problem state: PGM 0x02.
    let out = h.uv.guest_uvc(cpu, UvcInstr { problem_state: true, ..UvcInstr::at(0) }).unwrap();
    assert_eq!(out, pv_ultravisor::GuestUvcOutcome::Done(program(0x02)));
    // An unknown CPU is a model error, not an architected outcome.
    assert!(h.uv.guest_uvc(42, UvcInstr::at(0)).is_err());
    let _ = NodataUvcb::default();
}
