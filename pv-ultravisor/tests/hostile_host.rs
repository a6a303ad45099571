//! A hostile host: random sequences of UVCs (well-formed lifecycle steps mixed with UVCBs
//! full of random values), random host reads and writes, and guest activity. After every
//! step:
//!
//! - no call panics and none returns a model error;
//! - a host read succeeds exactly when every page it touches is non-secure, shared or
//!   pinned, and never shows a byte a guest wrote into a page it did not share;
//! - the page states agree with the ultravisor's tables (every page in exactly one state,
//!   every donated range owned);
//! - every page that stops being donated reads back as zeros.
//!
//! Cases: 48 by default; set `PV_UV_PROPTEST_CASES` for longer runs.

mod support;

use std::collections::BTreeMap;

use proptest::prelude::*;
use pv_core::sie::{SDF_FORMAT4, SieExit, StateDescription};
use pv_core::uvc::guest::{RemoveSharedUvcb, SetSharedUvcb};
use pv_core::uvc::uvcb::{
    CfsUvcb, CgcUvcb, CpuSetStateUvcb, CscUvcb, CtsUvcb, DestroyPageUvcb, DumpCpuUvcb, InitUvcb,
    PinUvcb, UnpackUvcb, UnpinUvcb,
};
use pv_core::uvc::{UvcCmd, UvcInstr, Uvcb, UvcbHeader, call, call_nodata};
use pv_core::{GuestAbs, Storage, StorageFault};
use pv_ultravisor::{MachineGeneration, MachineSpec, PageState, Ultravisor};
use support::{asset, host_key};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const STORAGE: u64 = 2 * GIB + 32 * MIB;
const UVCB_AT: u64 = 0x1_0000;
const HDR_AT: u64 = 0x8_0000;
const MSL: u64 = 4 * MIB;
const MARKER: &[u8; 16] = b"guest-secret-#42";

/// Page-aligned bases the random addresses are drawn around, so that calls collide.
const BASES: [u64; 8] = [
    0,
    0x4_0000,
    0x40_0000,
    2 * GIB,
    2 * GIB + 4 * MIB,
    2 * GIB + 8 * MIB,
    2 * GIB + 16 * MIB,
    STORAGE - 0x2_0000,
];
const MSOS: [u64; 3] = [0x40_0000, 2 * GIB + 8 * MIB, 2 * GIB + 16 * MIB];

/// Per command code: (calls, successes), printed with `PV_UV_STATS=1` (coverage check).
static STATS: std::sync::Mutex<BTreeMap<u16, (u64, u64)>> = std::sync::Mutex::new(BTreeMap::new());

fn count(cmd: UvcCmd, out: pv_core::uvc::UvcOutcome) {
    if let Ok(mut m) = STATS.lock() {
        let e = m.entry(cmd.code()).or_default();
        e.0 += 1;
        e.1 += u64::from(out.is_ok());
    }
}

/// SIE exits under synthetic keys: 0xf0xx interception code xx, 0xe0xx program
/// exit with code xx, 0xefff budget.
fn count_exit(exit: SieExit) {
    let key = match exit {
        SieExit::Intercept(c) => 0xf000 | u16::from(c),
        SieExit::Program { code, .. } => 0xe000 | (code & 0xff),
        _ => 0xefff,
    };
    if let Ok(mut m) = STATS.lock() {
        m.entry(key).or_default().0 += 1;
    }
}

fn machine() -> MachineSpec {
    MachineSpec::preset(MachineGeneration::Z16)
        .with_host_key(host_key())
        .with_storage_size(STORAGE)
        .with_limits(|l| {
            l.uv_base_stor_len = MIB;
            l.conf_base_phys_stor_len = 0x4000;
            l.conf_base_virt_stor_len = 0x2000;
            l.cpu_stor_len = 0x2000;
            l.max_num_sec_conf = 4;
            l.max_guest_cpu_id = 3;
        })
}

#[derive(Debug, Clone)]
enum Op {
    Init {
        at: u64,
    },
    CreateConfig {
        mso: usize,
        base: u64,
        var: u64,
        asce: u8,
    },
    CreateCpu {
        cfg: usize,
        num: u16,
        stor: u64,
        sie: u64,
    },
    SetHeader {
        cfg: usize,
    },
    Unpack {
        cfg: usize,
        page: usize,
    },
    UnpackAll {
        cfg: usize,
    },
    Nodata {
        cmd: usize,
        cfg: usize,
        bogus: bool,
    },
    Boot {
        cfg: usize,
    },
    /// A well-behaved host's setup of guest `slot`: config, CPU, header, unpack, verify,
    /// run, import the guest's first pages.
    Setup {
        slot: u8,
    },
    SetState {
        cpu: usize,
        state: u8,
    },
    Import {
        cfg: usize,
        gpage: u64,
    },
    PageCall {
        kind: u8,
        addr: u64,
    },
    Unpin {
        cfg: usize,
        gpage: u64,
    },
    DumpCpu {
        cpu: usize,
        area: u64,
    },
    Raw {
        cmd: usize,
        slots: Vec<u64>,
        len_delta: i8,
        i3: u8,
    },
    HostRead {
        addr: u64,
        len: usize,
    },
    HostWrite {
        addr: u64,
        len: usize,
        byte: u8,
    },
    GuestShare {
        cpu: usize,
        gpage: u64,
        share: bool,
    },
    GuestMarker {
        cpu: usize,
        gpage: u64,
    },
    HostReset,
    /// SIE entry of CPU `cpu` with a state description at `sd` (well formed for that
    /// CPU, or with one byte changed), the ASCE of configuration kind `asce`, a SIDA at
    /// `sida` and an instruction budget.
    Sie {
        cpu: usize,
        /// `None`: the CPU's own state-description address.
        sd: Option<u64>,
        /// `None`: the ASCE of the CPU's configuration.
        asce: Option<u8>,
        sida: u64,
        budget: u64,
        poke: Option<(usize, u8)>,
    },
}

fn addr() -> impl Strategy<Value = u64> {
    let pool =
        (0..BASES.len(), 0u64..40, prop_oneof![4 => Just(0u64), 1 => Just(8u64), 1 => 0u64..4096])
            .prop_map(|(b, p, off)| BASES[b].saturating_add(p * 0x1000 + off));
    prop_oneof![3 => pool, 1 => guest_addr()]
}

/// The host address of a guest page of one of the configurations' storage.
fn guest_addr() -> impl Strategy<Value = u64> {
    (0..MSOS.len(), gpage()).prop_map(|(m, g)| MSOS[m] + g * 0x1000)
}

/// A guest page number: mostly the first few (page 0 holds the guest's UVCBs).
fn gpage() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0u64..6, 1 => 0u64..48]
}

/// Mostly one of `good` (page-aligned, unused by anything else), sometimes any address.
fn good_or_any(good: Vec<u64>) -> impl Strategy<Value = u64> {
    prop_oneof![3 => prop::sample::select(good), 1 => addr()]
}

fn slot() -> impl Strategy<Value = u64> {
    prop_oneof![
        addr(),
        0u64..8,
        (0u64..8).prop_map(|i| 0x5056_5356_0000_0001 + i),
        any::<u64>(),
        (0u32..0x3000).prop_map(|v| u64::from(v) << 32),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![1 => Just(Op::Init { at: 2 * GIB }), 12 => any_op()]
}

fn any_op() -> impl Strategy<Value = Op> {
    let idx = || 0usize..4;
    prop_oneof![
        1 => prop_oneof![4 => Just(2 * GIB), 1 => Just(2 * GIB + MIB), 1 => Just(GIB)].prop_map(|at| Op::Init { at }),
        3 => (0..MSOS.len(), good_or_any((0..4).map(|i| 0x20_0000 + i * 0x1_0000).collect()), good_or_any((0..4).map(|i| 0x30_0000 + i * 0x1_0000).collect()), 0u8..4)
            .prop_map(|(mso, base, var, asce)| Op::CreateConfig { mso, base, var, asce }),
        3 => (idx(), 0u16..5, good_or_any((0..8).map(|i| 0x10_0000 + i * 0x1_0000).collect()), good_or_any((0..8).map(|i| 0x3_0000 + i * 0x1000).collect()))
            .prop_map(|(cfg, num, stor, sie)| Op::CreateCpu { cfg, num, stor, sie }),
        2 => idx().prop_map(|cfg| Op::SetHeader { cfg }),
        2 => (idx(), 0usize..9).prop_map(|(cfg, page)| Op::Unpack { cfg, page }),
        2 => idx().prop_map(|cfg| Op::UnpackAll { cfg }),
        4 => (0usize..9, idx(), prop::bool::weighted(0.1)).prop_map(|(cmd, cfg, bogus)| Op::Nodata { cmd, cfg, bogus }),
        2 => idx().prop_map(|cfg| Op::Boot { cfg }),
        2 => (0u8..3).prop_map(|slot| Op::Setup { slot }),
        2 => (idx(), 1u8..6).prop_map(|(cpu, state)| Op::SetState { cpu, state }),
        4 => (idx(), gpage()).prop_map(|(cfg, gpage)| Op::Import { cfg, gpage }),
        4 => (0u8..3, prop_oneof![addr(), guest_addr()]).prop_map(|(kind, addr)| Op::PageCall { kind, addr }),
        1 => (idx(), 0u64..48).prop_map(|(cfg, gpage)| Op::Unpin { cfg, gpage }),
        1 => (idx(), addr()).prop_map(|(cpu, area)| Op::DumpCpu { cpu, area }),
        4 => (0..UvcCmd::ALL.len(), prop::collection::vec(slot(), 64), prop_oneof![8 => Just(0i8), 1 => -8i8..8], prop_oneof![9 => Just(0u8), 1 => Just(4u8)])
            .prop_map(|(cmd, slots, len_delta, i3)| Op::Raw { cmd, slots, len_delta, i3 }),
        5 => (addr(), 1usize..9000).prop_map(|(addr, len)| Op::HostRead { addr, len }),
        3 => (addr(), 1usize..9000, any::<u8>()).prop_map(|(addr, len, byte)| Op::HostWrite { addr, len, byte }),
        3 => (idx(), gpage(), any::<bool>()).prop_map(|(cpu, gpage, share)| Op::GuestShare { cpu, gpage, share }),
        3 => (idx(), gpage()).prop_map(|(cpu, gpage)| Op::GuestMarker { cpu, gpage }),
        1 => Just(Op::HostReset),
        3 => (
            idx(),
            prop::option::weighted(0.2, good_or_any((0..8).map(|i| 0x3_0000 + i * 0x1000).collect())),
            prop::option::weighted(0.2, 0u8..4),
            good_or_any(vec![0x4_0000, 0x5_0000]),
            prop_oneof![1 => Just(0u64), 3 => 1u64..3000],
            prop::option::weighted(0.3, (0usize..0x400, any::<u8>())),
        )
            .prop_map(|(cpu, sd, asce, sida, budget, poke)| Op::Sie { cpu, sd, asce, sida, budget, poke }),
    ]
}

const NODATA: [UvcCmd; 9] = [
    UvcCmd::Verify,
    UvcCmd::DestroyConfig,
    UvcCmd::DestroyCpu,
    UvcCmd::PrepareReset,
    UvcCmd::UnshareAll,
    UvcCmd::CpuReset,
    UvcCmd::CpuResetClear,
    UvcCmd::DumpInit,
    UvcCmd::DestroyConfigFast,
];

struct World {
    uv: Ultravisor,
    /// MSO of each configuration handle ever created.
    msos: BTreeMap<u64, u64>,
    /// Guest ASCE of each configuration handle ever created.
    asces: BTreeMap<u64, u64>,
    /// State-description address of each CPU handle ever created.
    sds: BTreeMap<u64, u64>,
    a1: Vec<u8>,
    a1_pages: Vec<(u64, u64, u64, Vec<u8>)>,
}

impl World {
    fn new() -> Self {
        let mut pages = Vec::new();
        let comps = [
            ("A1/kernel.enc", 0x15000u64, 0x0028_f8f9_18b5_a845u64),
            ("A1/ramdisk.enc", 0x19000, 0x0032_e64d_cc91_e1c1),
            ("A1/cmdline.enc", 0x1d000, 0x003c_df4f_ea98_343f),
        ];
        for (f, a, t) in comps {
            for (i, c) in asset(f).chunks(4096).enumerate() {
                let off = i as u64 * 4096;
                pages.push((a + off, t, off, c.to_vec()));
            }
        }
        Self {
            uv: Ultravisor::new(machine()),
            msos: BTreeMap::new(),
            asces: BTreeMap::new(),
            sds: BTreeMap::new(),
            a1: asset("A1/sehdr.bin"),
            a1_pages: pages,
        }
    }

    fn cfg(&self, i: usize) -> u64 {
        let h = self.uv.config_handles();
        if h.is_empty() { 0x5056_5356_dead_0000 } else { h[i % h.len()] }
    }

    fn cpu(&self, i: usize) -> u64 {
        let h = self.uv.cpu_handles();
        if h.is_empty() { 0x5056_5356_dead_0001 } else { h[i % h.len()] }
    }

    fn host(&mut self) -> &mut dyn Storage {
        use pv_core::uvc::Ultravisor as _;
        self.uv.host_storage()
    }

    fn typed<T: Uvcb>(&mut self, u: &T) {
        // A failed UVCB store (the host put it on a protected page) is the host's problem.
        match call(&mut self.uv, UVCB_AT, u) {
            Ok((o, _)) => count(T::CMD, o),
            Err(pv_core::uvc::CallError::Storage(_)) => {}
            Err(e) => panic!("model fault: {e}"),
        }
    }

    fn guest_call<T: Uvcb>(&mut self, cpu: u64, u: &T) {
        let img = u.to_image();
        let Ok(mut g) = self.uv.guest_storage(cpu) else { return };
        if g.write(GuestAbs(0), &img[..T::LEN]).is_ok()
            && let pv_ultravisor::GuestUvcOutcome::Done(o) =
                self.uv.guest_uvc(cpu, UvcInstr::at(0)).expect("guest call")
        {
            count(T::CMD, o);
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Init { at } => self.typed(&InitUvcb { stor_origin: at, stor_len: MIB }),
            Op::CreateConfig { mso, base, var, asce } => {
                let u = CgcUvcb {
                    guest_handle: 0,
                    conf_base_stor_origin: base,
                    conf_virt_stor_origin: var,
                    flags: 0,
                    guest_stor_origin: MSOS[mso],
                    guest_stor_len: MSL,
                    guest_sca: 0x2_0000,
                    guest_asce: 0x100 | (u64::from(asce) << 20),
                };
                self.typed(&u);
                if let Ok(b) = self.host().read_vec(UVCB_AT + 0x18, 8) {
                    let h = u64::from_be_bytes(b.try_into().unwrap());
                    self.msos.insert(h, MSOS[mso]);
                    self.asces.insert(h, u.guest_asce);
                }
            }
            Op::CreateCpu { cfg, num, stor, sie } => {
                let u = CscUvcb {
                    cpu_handle: 0,
                    guest_handle: self.cfg(cfg),
                    stor_origin: stor,
                    num,
                    state_origin: sie,
                };
                self.typed(&u);
                if let Ok(b) = self.host().read_vec(UVCB_AT + 0x18, 8) {
                    self.sds.insert(u64::from_be_bytes(b.try_into().unwrap()), sie);
                }
            }
            Op::SetHeader { cfg } => {
                let hdr = self.a1.clone();
                if self.host().write(GuestAbs(HDR_AT), &hdr).is_ok() {
                    let u = pv_core::uvc::uvcb::SscUvcb {
                        guest_handle: self.cfg(cfg),
                        sec_header_origin: HDR_AT,
                        sec_header_len: 640,
                    };
                    self.typed(&u);
                }
            }
            Op::Unpack { cfg, page } => {
                let h = self.cfg(cfg);
                let (g, t0, t1, data) = self.a1_pages[page].clone();
                if let Some(&mso) = self.msos.get(&h) {
                    let _ = self.host().write(GuestAbs(mso + g), &data);
                }
                self.typed(&UnpackUvcb { guest_handle: h, gaddr: g, tweak0: t0, tweak1: t1 });
            }
            Op::UnpackAll { cfg } => {
                for page in 0..self.a1_pages.len() {
                    self.apply(&Op::Unpack { cfg, page });
                }
            }
            Op::Setup { slot } => {
                let n = u64::from(slot);
                self.apply(&Op::Init { at: 2 * GIB });
                let before = self.uv.config_handles();
                let create = Op::CreateConfig {
                    mso: slot as usize,
                    base: 0x20_0000 + n * 0x1_0000,
                    var: 0x30_0000 + n * 0x1_0000,
                    asce: slot,
                };
                self.apply(&create);
                let Some(i) = self.uv.config_handles().iter().position(|h| !before.contains(h))
                else {
                    return;
                };
                let cpus = self.uv.cpu_handles();
                self.apply(&Op::CreateCpu {
                    cfg: i,
                    num: 0,
                    stor: 0x10_0000 + n * 0x1_0000,
                    sie: 0x3_0000 + n * 0x1000,
                });
                self.apply(&Op::Boot { cfg: i });
                for gpage in 0..4 {
                    self.apply(&Op::Import { cfg: i, gpage });
                }
                if let Some(c) = self.uv.cpu_handles().iter().position(|h| !cpus.contains(h)) {
                    self.apply(&Op::SetState { cpu: c, state: 5 });
                }
            }
            Op::Boot { cfg } => {
                self.apply(&Op::SetHeader { cfg });
                self.apply(&Op::UnpackAll { cfg });
                self.apply(&Op::Nodata { cmd: 0, cfg, bogus: false });
            }
            Op::Nodata { cmd, cfg, bogus } => {
                let c = NODATA[cmd];
                let on_cpu =
                    matches!(c, UvcCmd::DestroyCpu | UvcCmd::CpuReset | UvcCmd::CpuResetClear);
                let h = match (bogus, on_cpu) {
                    (true, _) => 0x5056_5356_0000_0001 + cfg as u64,
                    (false, true) => self.cpu(cfg),
                    (false, false) => self.cfg(cfg),
                };
                if c == UvcCmd::DestroyConfigFast {
                    return self.typed(&pv_core::uvc::uvcb::DestroyFastUvcb { handle: h });
                }
                match call_nodata(&mut self.uv, UVCB_AT, c, h) {
                    Ok(o) => count(c, o),
                    Err(pv_core::uvc::CallError::Storage(_)) => {}
                    Err(e) => panic!("model fault: {e}"),
                }
            }
            Op::SetState { cpu, state } => {
                self.typed(&CpuSetStateUvcb { cpu_handle: self.cpu(cpu), state })
            }
            Op::Import { cfg, gpage } => {
                self.typed(&CtsUvcb { guest_handle: self.cfg(cfg), gaddr: gpage * 0x1000 })
            }
            Op::PageCall { kind, addr } => match kind {
                0 => self.typed(&CfsUvcb { paddr: addr }),
                1 => self.typed(&DestroyPageUvcb { paddr: addr }),
                _ => self.typed(&PinUvcb { paddr: addr }),
            },
            Op::Unpin { cfg, gpage } => {
                self.typed(&UnpinUvcb { guest_handle: self.cfg(cfg), gaddr: gpage * 0x1000 })
            }
            Op::DumpCpu { cpu, area } => {
                self.typed(&DumpCpuUvcb { cpu_handle: self.cpu(cpu), dump_area_origin: area })
            }
            Op::Raw { cmd, ref slots, len_delta, i3 } => {
                let c = UvcCmd::ALL[cmd];
                let len = i32::from(c.info().len.max_len()) + i32::from(len_delta);
                let mut b = vec![0u8; 0x208];
                UvcbHeader { len: len.max(0) as u16, cmd: c.code(), rc: 0, rrc: 0 }.write(&mut b);
                for (i, v) in slots.iter().enumerate() {
                    let off = 8 + 8 * i;
                    if off + 8 <= b.len() {
                        b[off..off + 8].copy_from_slice(&v.to_be_bytes());
                    }
                }
                b.truncate(usize::from(c.info().len.max_len()).max(8));
                if self.host().write(GuestAbs(UVCB_AT), &b).is_ok() {
                    use pv_core::uvc::Ultravisor as _;
                    let instr = UvcInstr { i3, ..UvcInstr::at(UVCB_AT) };
                    count(c, self.uv.host_uvc(instr).expect("model fault"));
                }
            }
            Op::HostRead { addr, len } => self.check_read(addr, len),
            Op::HostWrite { addr, len, byte } => {
                let data = vec![byte; len];
                let allowed = self.host_may_touch(addr, len);
                let r = self.host().write(GuestAbs(addr), &data);
                assert_eq!(r.is_ok(), allowed, "host write {addr:#x}+{len}: {r:?}");
            }
            Op::GuestShare { cpu, gpage, share } => {
                let c = self.cpu(cpu);
                if share {
                    self.guest_call(c, &SetSharedUvcb { paddr: gpage * 0x1000 });
                } else {
                    self.guest_call(c, &RemoveSharedUvcb { paddr: gpage * 0x1000 });
                }
            }
            Op::GuestMarker { cpu, gpage } => {
                let c = self.cpu(cpu);
                if let Ok(mut g) = self.uv.guest_storage(c) {
                    let _ = g.write(GuestAbs(gpage * 0x1000 + 0x100), MARKER);
                }
            }
            Op::HostReset => {
                use pv_core::uvc::Ultravisor as _;
                self.uv.host_reset(pv_core::uvc::HostReset::Normal).expect("host reset");
            }
            Op::Sie { cpu, sd, asce, sida, budget, poke } => {
                use pv_core::uvc::Ultravisor as _;
                let c = self.cpu(cpu);
                let cfg = self.uv.cpu_config(c).unwrap_or(0);
                let sd = sd.or_else(|| self.sds.get(&c).copied()).unwrap_or(0x3_0000);
                let asce = match asce {
                    Some(a) => 0x100 | (u64::from(a) << 20),
                    None => self.asces.get(&cfg).copied().unwrap_or(0x100),
                };
                let Ok(mut page) = self.host().read_vec(sd, 4096) else { return };
                let s = StateDescription {
                    pv_handle_cpu: c,
                    pv_handle_config: cfg,
                    sdf: SDF_FORMAT4,
                    sidad: sida,
                    ..StateDescription::decode(&page)
                };
                s.encode_into(&mut page);
                if let Some((off, byte)) = poke {
                    page[off] = byte;
                }
                if self.host().write(GuestAbs(sd), &page).is_err() {
                    return;
                }
                let exit = self.uv.sie(sd, asce, budget).expect("model fault in SIE");
                count_exit(exit);
                // The state description the host reads back carries no guest secret.
                if let Ok(b) = self.host().read_vec(sd, 4096) {
                    let leaked = b.windows(MARKER.len()).any(|w| w == MARKER);
                    assert!(!leaked, "marker in the SIE page after {exit:?}");
                }
            }
        }
    }

    fn host_may_touch(&self, addr: u64, len: usize) -> bool {
        let Some(end) = addr.checked_add(len as u64) else { return false };
        end <= STORAGE
            && (addr / 4096..=(end - 1) / 4096)
                .all(|f| self.uv.page_state(f * 4096).host_accessible())
    }

    fn check_read(&mut self, addr: u64, len: usize) {
        let allowed = self.host_may_touch(addr, len);
        let states: Vec<PageState> = if allowed {
            (addr / 4096..=(addr + len as u64 - 1) / 4096)
                .map(|f| self.uv.page_state(f * 4096))
                .collect()
        } else {
            Vec::new()
        };
        match self.host().read_vec(addr, len) {
            Ok(bytes) => {
                assert!(allowed, "host read {addr:#x}+{len} of a protected page succeeded");
                // Guest secrets appear only in pages the guest shared.
                for (i, chunk) in bytes.chunks(4096).enumerate() {
                    let s = states.get(i).copied().unwrap_or_default();
                    if s == PageState::NonSecure {
                        assert!(
                            !chunk.windows(MARKER.len()).any(|w| w == MARKER),
                            "marker leaked at {addr:#x}"
                        );
                    }
                }
            }
            Err(f) => {
                assert!(!allowed, "host read {addr:#x}+{len} refused: {f:?}");
                assert!(matches!(
                    f,
                    StorageFault::SecureStorageAccess { .. } | StorageFault::Addressing { .. }
                ));
            }
        }
    }
}

trait ReadVec {
    fn read_vec(&mut self, addr: u64, len: usize) -> Result<Vec<u8>, StorageFault>;
}

impl ReadVec for dyn Storage + '_ {
    fn read_vec(&mut self, addr: u64, len: usize) -> Result<Vec<u8>, StorageFault> {
        let mut b = vec![0u8; len];
        self.read(GuestAbs(addr), &mut b).map(|()| b)
    }
}

fn cases() -> u32 {
    std::env::var("PV_UV_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn hostile_host_never_breaks_the_trust_boundary(ops in prop::collection::vec(op(), 1..80)) {
        let mut w = World::new();
        for op in &ops {
            let before: BTreeMap<u64, PageState> = w.uv.protected_pages().into_iter().collect();
            w.apply(op);
            w.uv.check_consistency().unwrap_or_else(|e| panic!("after {op:?}: {e}"));
            // Every page that stopped being donated reads back as zeros.
            for (&a, s) in &before {
                if matches!(s, PageState::Donated(_)) && w.uv.page_state(a) == PageState::NonSecure {
                    let b = w.host().read_vec(a, 4096).expect("reclaimed page readable");
                    prop_assert!(b.iter().all(|&x| x == 0), "reclaimed page {a:#x} not zero after {op:?}");
                }
            }
        }
        // Teardown as a well-behaved host would do it: everything donated comes back zero.
        for cpu in w.uv.cpu_handles() {
            let _ = call_nodata(&mut w.uv, 0, UvcCmd::DestroyCpu, cpu);
        }
        let host_page = 0;
        for cfg in w.uv.config_handles() {
            let _ = call_nodata(&mut w.uv, host_page, UvcCmd::DestroyConfig, cfg);
        }
        for (a, s) in w.uv.protected_pages() {
            if s.config().is_some() {
                let _ = call(&mut w.uv, host_page, &DestroyPageUvcb { paddr: a });
            }
        }
        if std::env::var_os("PV_UV_STATS").is_some() {
            eprintln!("{:x?}", STATS.lock().map(|m| m.clone()).unwrap_or_default());
        }
        let left = w.uv.protected_pages();
        prop_assert!(left.iter().all(|(_, s)| *s == PageState::Donated(pv_ultravisor::Donation::UvBase)), "{left:?}");
    }
}
