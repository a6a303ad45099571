//! Table-driven checks of the host commands that build and tear down configurations
//! (uv-spec.md §1.6): for every rule, a UVCB that breaks exactly that rule gets exactly
//! its rc (with no handle, or a handle and the 0x8000 flag where pvsim assigns one), and
//! the valid UVCB succeeds.

mod support;

use pv_core::uvc::rc::{self, NEED_DESTROY, cgc, csc, init};
use pv_core::uvc::uvcb::{CgcUvcb, CscUvcb, DestroyFastUvcb, InitUvcb, QueryKeysUvcb};
use pv_core::uvc::{UvcCmd, Uvcb};
use pv_core::{GuestAbs, StorageFault};
use pv_ultravisor::{Donation, MachineGeneration, PageState};
use support::*;

const OK: (u16, u16) = (rc::EXECUTED, 0);

type Case<T> = (&'static str, Box<dyn Fn(&mut Host, &mut T)>, u16);

fn case<T>(name: &'static str, f: impl Fn(&mut Host, &mut T) + 'static, want: u16) -> Case<T> {
    (name, Box::new(f), want)
}

/// Runs every case on a fresh host from `setup` with the valid UVCB from `valid`.
fn table<T: Uvcb + Copy + std::fmt::Debug>(
    setup: impl Fn() -> Host,
    valid: impl Fn(&Host) -> T,
    cases: Vec<Case<T>>,
    check_failure: impl Fn(&mut Host, &T),
) {
    for (name, edit, want) in &cases {
        let mut h = setup();
        let mut u = valid(&h);
        edit(&mut h, &mut u);
        let objects = |h: &Host| (h.uv.config_handles().len(), h.uv.cpu_handles().len());
        let before = objects(&h);
        let (o, out) = h.call(&u);
        assert_eq!(o.rc_rrc(), Some((*want, 0)), "{name}: {u:?}");
        if want & NEED_DESTROY == 0 {
            assert_eq!(objects(&h), before, "{name}: nothing created");
            check_failure(&mut h, &out);
        }
    }
    let mut h = setup();
    let u = valid(&h);
    assert_eq!(h.rc(&u), OK, "the valid UVCB");
}

#[test]
fn initialize() {
    let base = 16 * MIB;
    let size = 8 * GIB;
    table(
        || Host::new(MachineGeneration::Z16),
        |h| h.init_uvcb(),
        vec![
            case::<InitUvcb>(
                "second init, other storage",
                move |h, u| {
                    h.init();
                    u.stor_origin = 3 * GIB;
                },
                init::ALREADY_INITIALIZED,
            ),
            case::<InitUvcb>(
                "two host CPUs operating",
                move |h, _| h.uv.set_host_cpus_operating(2),
                init::TOO_MANY_CPUS,
            ),
            case::<InitUvcb>(
                "length below uv_base_stor_len",
                move |_, u| u.stor_len = base - 0x1000,
                init::STORAGE_TOO_SMALL,
            ),
            case::<InitUvcb>(
                "a few bytes short is truncated away too",
                move |_, u| u.stor_len = base - 1,
                init::STORAGE_TOO_SMALL,
            ),
            case::<InitUvcb>(
                "origin at the end of memory",
                move |_, u| u.stor_origin = size,
                init::ORIGIN_NOT_BACKED,
            ),
            case::<InitUvcb>(
                "origin + length beyond memory",
                move |_, u| u.stor_origin = size - MIB,
                init::EXCEEDS_MEMORY,
            ),
            case::<InitUvcb>("origin below 2 GiB", move |_, u| u.stor_origin = GIB, init::BELOW_2G),
        ],
        |_, _| {},
    );
    // Truncation: origin to 1 MiB, length to 4 KiB; then the range is UV storage.
    let mut h = Host::new(MachineGeneration::Z16);
    let u = InitUvcb { stor_origin: UV_BASE + 0x1234, stor_len: base + 0xfff };
    assert_eq!(h.rc(&u), OK);
    assert_eq!(
        h.read(UV_BASE, 1),
        Err(StorageFault::SecureStorageAccess { addr: GuestAbs(UV_BASE) })
    );
    assert_eq!(h.uv.page_state(UV_BASE + base - 1), PageState::Donated(Donation::UvBase));
    assert_eq!(h.uv.page_state(UV_BASE + base), PageState::NonSecure);
    // A host reset gives it back, zeroed, and the UV is uninitialized.
    pv_core::uvc::Ultravisor::host_reset(&mut h.uv, pv_core::uvc::HostReset::Normal).unwrap();
    assert!(!h.uv.is_initialized());
    assert_eq!(h.read(UV_BASE, 4096).unwrap(), vec![0; 4096]);
    assert_eq!(h.nodata(UvcCmd::Verify, 1), (rc::INV_STATE, 0));
}

fn no_config(_: &mut Host, out: &CgcUvcb) {
    assert_eq!(out.guest_handle, 0, "no handle on error");
}

#[test]
fn create_configuration() {
    let max = 1u64 << 46;
    table(
        Host::ready,
        Host::cgc_uvcb,
        vec![
            case::<CgcUvcb>(
                "MSO above max",
                move |_, u| u.guest_stor_origin = max + 0x1000,
                cgc::MSO_TOO_HIGH,
            ),
            case::<CgcUvcb>(
                "MSO not page aligned",
                move |_, u| u.guest_stor_origin += 8,
                cgc::MSO_TOO_HIGH,
            ),
            case::<CgcUvcb>(
                "MSO + MSL above max",
                move |_, u| u.guest_stor_origin = max - 0x1000,
                cgc::MSL_TOO_HIGH,
            ),
            case::<CgcUvcb>("MSL zero", move |_, u| u.guest_stor_len = 0, cgc::MSL_TOO_HIGH),
            case::<CgcUvcb>(
                "too many configurations",
                move |h, u| {
                    let mut spec = spec(MachineGeneration::Z16);
                    spec.limits.max_num_sec_conf = 1;
                    *h = Host::with_spec(spec);
                    h.init();
                    h.create_config();
                    *u = h.cgc_uvcb();
                },
                cgc::TOO_MANY_CONFIGS,
            ),
            case::<CgcUvcb>(
                "ASCE of another configuration",
                move |h, u| {
                    let asce = u.guest_asce;
                    h.create_config();
                    *u = h.cgc_uvcb();
                    u.guest_asce = asce;
                },
                cgc::ASCE_IN_USE,
            ),
            case::<CgcUvcb>(
                "ASCE without private-space bit",
                move |_, u| u.guest_asce &= !0x100,
                cgc::ASCE_INVALID,
            ),
            case::<CgcUvcb>(
                "ASCE with real-space bit",
                move |_, u| u.guest_asce |= 0x20,
                cgc::ASCE_INVALID,
            ),
            case::<CgcUvcb>("unknown flag", move |_, u| u.flags = 0x4, cgc::FLAGS_UNSUPPORTED),
            case::<CgcUvcb>(
                "AP flag on a z15",
                move |h, u| {
                    *h = Host::new(MachineGeneration::Z15);
                    h.init();
                    *u = h.cgc_uvcb();
                    u.flags = 0x1;
                },
                cgc::FLAGS_UNSUPPORTED,
            ),
            case::<CgcUvcb>(
                "base beyond memory",
                move |_, u| u.conf_base_stor_origin = 8 * GIB - 0x4000,
                cgc::BASE_BEYOND_MEMORY,
            ),
            case::<CgcUvcb>(
                "base on a lowcore (origin 0x1000)",
                move |_, u| u.conf_base_stor_origin = 0x1000,
                cgc::BASE_IN_LOWCORE,
            ),
            case::<CgcUvcb>(
                "base on a host CPU's prefix area",
                move |h, u| {
                    let mut spec = spec(MachineGeneration::Z16);
                    spec.host_prefixes.push(u.conf_base_stor_origin + 0x2000);
                    *h = Host::with_spec(spec);
                    h.init();
                },
                cgc::BASE_IN_LOWCORE,
            ),
            case::<CgcUvcb>(
                "base not page aligned",
                move |_, u| u.conf_base_stor_origin += 0x10,
                cgc::BASE_UNAVAILABLE,
            ),
            case::<CgcUvcb>(
                "base in UV storage",
                move |_, u| u.conf_base_stor_origin = UV_BASE,
                cgc::BASE_UNAVAILABLE,
            ),
            case::<CgcUvcb>("SCA 0", move |_, u| u.guest_sca = 0, cgc::SCA_ZERO),
            case::<CgcUvcb>(
                "SCA beyond memory",
                move |_, u| u.guest_sca = 8 * GIB,
                cgc::SCA_INACCESSIBLE,
            ),
            case::<CgcUvcb>(
                "SCA in UV storage",
                move |_, u| u.guest_sca = UV_BASE + 0x100,
                cgc::SCA_INACCESSIBLE,
            ),
            case::<CgcUvcb>(
                "variable storage in UV storage",
                move |_, u| u.conf_virt_stor_origin = UV_BASE,
                cgc::VAR_UNAVAILABLE | NEED_DESTROY,
            ),
            case::<CgcUvcb>(
                "variable storage beyond memory",
                move |_, u| u.conf_virt_stor_origin = 8 * GIB - 0x1000,
                cgc::VAR_UNAVAILABLE | NEED_DESTROY,
            ),
            case::<CgcUvcb>(
                "variable storage unaligned",
                move |_, u| u.conf_virt_stor_origin += 1,
                cgc::VAR_UNAVAILABLE | NEED_DESTROY,
            ),
            case::<CgcUvcb>(
                "variable storage contains the lowcore",
                move |_, u| u.conf_virt_stor_origin = 0,
                cgc::VAR_IN_LOWCORE | NEED_DESTROY,
            ),
        ],
        no_config,
    );
    // NEED_DESTROY: the handle is returned and must be destroyed; nothing else is allowed.
    let mut h = Host::ready();
    let u = CgcUvcb { conf_virt_stor_origin: UV_BASE, ..h.cgc_uvcb() };
    let (o, out) = h.call(&u);
    assert_eq!(o.rc(), Some(cgc::VAR_UNAVAILABLE | NEED_DESTROY));
    assert_ne!(out.guest_handle, 0);
    let base = u.conf_base_stor_origin;
    assert_eq!(h.uv.page_state(base), PageState::Donated(Donation::ConfigBase(out.guest_handle)));
    let c = h.csc_uvcb(out.guest_handle, 0);
    assert_eq!(h.rc(&c), (rc::INV_STATE, 0));
    assert_eq!(h.nodata(UvcCmd::DestroyConfig, out.guest_handle), OK);
    assert_eq!(h.read(base, 0x8000).unwrap(), vec![0; 0x8000]);

    // Success: handle out, base and variable storage donated; an identical resubmission
    // fails (the ASCE is in use) with rc >= 0x0100.
    let mut h = Host::ready();
    let u = h.cgc_uvcb();
    let (o, out) = h.call(&u);
    assert!(o.is_ok());
    assert_eq!(
        h.uv.page_state(u.conf_virt_stor_origin),
        PageState::Donated(Donation::ConfigVar(out.guest_handle))
    );
    assert!(h.read(u.conf_base_stor_origin, 1).is_err());
    let (o, again) = h.call(&u);
    assert!(o.rc().unwrap() >= 0x0100);
    assert_eq!(again.guest_handle, 0);
}

#[test]
fn create_cpu() {
    let setup = || {
        let mut h = Host::ready();
        h.create_config();
        h
    };
    let valid = |h: &Host| {
        let cfg = h.uv.config_handles()[0];
        h.csc_uvcb(cfg, 0)
    };
    table(
        setup,
        valid,
        vec![
            case::<CscUvcb>(
                "invalid guest handle",
                move |_, u| u.guest_handle ^= 1,
                rc::INV_GHANDLE,
            ),
            case::<CscUvcb>(
                "num above max_guest_cpu_id",
                move |_, u| u.num = 248,
                csc::NUM_TOO_HIGH,
            ),
            case::<CscUvcb>(
                "num already used",
                move |h, u| {
                    h.create_cpu(u.guest_handle, 0);
                    u.stor_origin += 0x10_0000;
                    u.state_origin += 0x1000;
                },
                csc::NUM_IN_USE,
            ),
            case::<CscUvcb>(
                "storage beyond memory",
                move |_, u| u.stor_origin = 8 * GIB - 0x1000,
                csc::STOR_INACCESSIBLE,
            ),
            case::<CscUvcb>(
                "storage in UV storage",
                move |_, u| u.stor_origin = UV_BASE,
                csc::STOR_INACCESSIBLE,
            ),
            case::<CscUvcb>(
                "storage unaligned",
                move |_, u| u.stor_origin += 0x800,
                csc::STOR_INACCESSIBLE,
            ),
            case::<CscUvcb>(
                "storage at origin 0",
                move |_, u| u.stor_origin = 0,
                csc::STOR_IN_LOWCORE,
            ),
            case::<CscUvcb>(
                "state description beyond memory",
                move |_, u| u.state_origin = 8 * GIB,
                csc::STATE_INACCESSIBLE,
            ),
            case::<CscUvcb>(
                "state description in UV storage",
                move |_, u| u.state_origin = UV_BASE,
                csc::STATE_INACCESSIBLE,
            ),
        ],
        |_, out: &CscUvcb| assert_eq!(out.cpu_handle, 0, "no CPU handle on error"),
    );
    let mut h = setup();
    let u = valid(&h);
    let (o, out) = h.call(&u);
    assert!(o.is_ok());
    assert_eq!(
        h.uv.page_state(u.stor_origin + 0x1000),
        PageState::Donated(Donation::Cpu(out.cpu_handle))
    );
    assert_eq!(h.uv.cpu_state(out.cpu_handle), Some(pv_ultravisor::sec_cpu::CpuState::Stopped));
}

#[test]
fn destroy_cpu_and_configurations() {
    let mut h = Host::ready();
    let cfg = h.create_config();
    let cpu = h.create_cpu(cfg, 3);
    assert_eq!(h.nodata(UvcCmd::DestroyCpu, cpu ^ 1), (rc::INV_CHANDLE, 0));
    assert_eq!(h.nodata(UvcCmd::DestroyConfig, cfg ^ 1), (rc::INV_GHANDLE, 0));
    // CPUs first.
    assert_eq!(h.nodata(UvcCmd::DestroyConfig, cfg), (rc::INV_STATE, 0));
    assert_eq!(h.rc(&DestroyFastUvcb { handle: cfg }), (rc::INV_STATE, 0));
    assert_eq!(h.nodata(UvcCmd::DestroyCpu, cpu), OK);
    assert_eq!(h.read(CPU_STOR, 0x2000).unwrap(), vec![0; 0x2000]);
    assert_eq!(h.nodata(UvcCmd::DestroyCpu, cpu), (rc::INV_CHANDLE, 0), "handles are not reused");
    assert_eq!(h.rc(&DestroyFastUvcb { handle: cfg }), OK);
    assert_eq!(h.read(CONF_VAR, 0x4000).unwrap(), vec![0; 0x4000]);
    assert_eq!(h.nodata(UvcCmd::DestroyConfig, cfg), (rc::INV_GHANDLE, 0));
    // Only the UV's own storage is left.
    assert!(h.uv.protected_pages().iter().all(|(_, s)| *s == PageState::Donated(Donation::UvBase)));
}

#[test]
fn query_keys() {
    // Index 0: phkh(host.crt) (vectors: the attestation PHKH); index 1: the backup key.
    let mut h = Host::ready();
    let (o, q) = h.call(&QueryKeysUvcb { key_hashes: [0; 480] });
    assert!(o.is_ok());
    let want =
        hex::decode("24933f75ee107c806fe602a7da7b610e54369af96a847f2dcc4fcfdbd81fbc05").unwrap();
    assert_eq!(q.key_hash(0).unwrap().to_vec(), want);
    let backup = h.uv.spec().backup_host_key.as_ref().unwrap().public_coords().phkh();
    assert_eq!(q.key_hash(1).unwrap(), backup);
    assert_eq!(q.key_hash(2).unwrap(), [0; 32]);
    // Not installed on a z15.
    let mut h = Host::new(MachineGeneration::Z15);
    h.init();
    assert_eq!(h.rc(&QueryKeysUvcb { key_hashes: [0; 480] }), (rc::INV_CMD, 0));
}
