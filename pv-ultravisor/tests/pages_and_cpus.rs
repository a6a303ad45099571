//! Page calls (import, export, destroy, pin, unpin, unshare all, guest share) and CPU
//! calls (resets, set state, prepare reset, dump) rule by rule (uv-spec.md §1.6, §3.3,
//! §3.4, §4).

mod support;

use pv_core::uvc::UvcCmd;
use pv_core::uvc::guest::{RemoveSharedUvcb, SetSharedUvcb};
use pv_core::uvc::rc::{self, cpu_state, dump, import, page, share};
use pv_core::uvc::uvcb::{
    CfsUvcb, CgcUvcb, CpuSetStateUvcb, CtsUvcb, DestroyPageUvcb, DumpCpuUvcb, PinUvcb, UnpinUvcb,
};
use pv_core::{GuestAbs, Storage, StorageFault};
use pv_ultravisor::{GuestUvcOutcome, PageState};
use support::*;

const OK: (u16, u16) = (rc::EXECUTED, 0);

/// A host with one configuration (header A1 set, not verified) and one CPU.
fn setup() -> (Host, u64, u64) {
    let mut h = Host::ready();
    let cfg = h.create_config();
    assert_eq!(h.ssc(cfg, &asset("A1/sehdr.bin")), OK);
    let cpu = h.create_cpu(cfg, 0);
    (h, cfg, cpu)
}

#[test]
fn import_rules() {
    let (mut h, cfg, _) = setup();
    let mso = Host::mso(0);
    let cts = |gaddr| CtsUvcb { guest_handle: cfg, gaddr };
    assert_eq!(h.rc(&cts(GUEST_MSL)), (import::NOT_MAPPED, 0));
    assert_eq!(h.rc(&CtsUvcb { guest_handle: cfg ^ 1, gaddr: 0 }), (rc::INV_GHANDLE, 0));
    assert_eq!(h.rc(&cts(0x1008)), OK, "truncated to the page");
    assert_eq!(h.uv.page_state(mso + 0x1000), PageState::Secure { config: cfg });
    assert_eq!(h.rc(&cts(0x1000)), (import::ALREADY_SECURE, 0));
    // A second configuration whose storage overlaps the first one's and the UV's.
    let u = CgcUvcb { guest_stor_origin: mso, ..h.cgc_uvcb() };
    let (o, other) = h.call(&u);
    assert!(o.is_ok());
    let cts2 = |gaddr| CtsUvcb { guest_handle: other.guest_handle, gaddr };
    assert_eq!(h.rc(&cts2(0x1000)), (import::OTHER_OWNER, 0), "private page of another");
    let u = CgcUvcb { guest_stor_origin: UV_BASE, guest_asce: 0x7700_0100, ..h.cgc_uvcb() };
    let u = CgcUvcb {
        conf_base_stor_origin: CONF_BASE + 5 * MIB,
        conf_virt_stor_origin: CONF_VAR + 5 * 16 * MIB,
        ..u
    };
    let (o, third) = h.call(&u);
    assert!(o.is_ok(), "{o:?}");
    let cts3 = CtsUvcb { guest_handle: third.guest_handle, gaddr: 0 };
    assert_eq!(h.rc(&cts3), (import::OTHER_OWNER, 0), "UV storage");
    // With feature MISC (z16) a page shared by another configuration is taken over.
    let cpu1 = h.create_cpu(cfg, 1);
    assert_eq!(guest_rc(&mut h.uv, cpu1, 0x1000, &SetSharedUvcb { paddr: 0x1000 }), OK);
    assert_eq!(h.rc(&cts2(0x1000)), OK);
    assert_eq!(h.uv.page_state(mso + 0x1000), PageState::Secure { config: other.guest_handle });
}

#[test]
fn export_and_destroy_rules() {
    let (mut h, cfg, cpu) = setup();
    let mso = Host::mso(0);
    let end = 8 * GIB;
    assert_eq!(h.rc(&CfsUvcb { paddr: end }), (page::NOT_GUEST_PAGE, 0));
    assert_eq!(h.rc(&CfsUvcb { paddr: UV_BASE }), (page::NOT_GUEST_PAGE, 0));
    assert_eq!(h.rc(&CfsUvcb { paddr: mso }), OK, "non-secure: no-op");
    assert_eq!(h.rc(&CtsUvcb { guest_handle: cfg, gaddr: 0 }), OK);
    h.uv.guest_storage(cpu).unwrap().write(GuestAbs(0), b"secret!").unwrap();
    assert_eq!(h.rc(&CfsUvcb { paddr: mso + 0x10 }), OK);
    assert_eq!(h.uv.page_state(mso), PageState::NonSecure);
    let c = h.read(mso, 4096).unwrap();
    assert_ne!(&c[..7], b"secret!");
    assert_eq!(h.rc(&CfsUvcb { paddr: mso }), OK, "repeated export is harmless");
    assert_eq!(h.rc(&CtsUvcb { guest_handle: cfg, gaddr: 0 }), OK);
    let mut b = [0u8; 7];
    h.uv.guest_storage(cpu).unwrap().read(GuestAbs(0), &mut b).unwrap();
    assert_eq!(&b, b"secret!");
    // Destroy: beyond memory and UV storage refused; non-secure no-op; secure cleared.
    assert_eq!(h.rc(&DestroyPageUvcb { paddr: end }), (page::NOT_GUEST_PAGE, 0));
    assert_eq!(h.rc(&DestroyPageUvcb { paddr: CONF_BASE }), (page::NOT_GUEST_PAGE, 0));
    assert_eq!(h.rc(&DestroyPageUvcb { paddr: mso + 0x5000 }), OK);
    assert_eq!(h.rc(&DestroyPageUvcb { paddr: mso }), OK);
    assert_eq!(h.read(mso, 4096).unwrap(), vec![0; 4096]);
    // The guest's next import gives a zero page.
    assert_eq!(h.rc(&CtsUvcb { guest_handle: cfg, gaddr: 0 }), OK);
    h.uv.guest_storage(cpu).unwrap().read(GuestAbs(0), &mut b).unwrap();
    assert_eq!(b, [0; 7]);
}

#[test]
fn share_pin_unpin_unshare_all() {
    let (mut h, cfg, cpu) = setup();
    let mso = Host::mso(0);
    assert_eq!(h.rc(&CtsUvcb { guest_handle: cfg, gaddr: 0 }), OK);
    assert_eq!(h.rc(&CtsUvcb { guest_handle: cfg, gaddr: 0x2000 }), OK);
    let set = |paddr| SetSharedUvcb { paddr };
    // Guest rules: outside memory 0x0101; a non-secure page 0x0102.
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &set(GUEST_MSL)), (share::OUTSIDE, 0));
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &set(0x3000)), (share::NOT_SECURE, 0));
    assert_eq!(
        guest_rc(&mut h.uv, cpu, 0, &RemoveSharedUvcb { paddr: 0x3000 }),
        (share::NOT_SECURE, 0)
    );
    // Pin needs a shared page.
    assert_eq!(h.rc(&PinUvcb { paddr: mso + 0x2000 }), (page::NOT_SHARED, 0));
    assert_eq!(h.rc(&PinUvcb { paddr: 8 * GIB }), (page::NOT_GUEST_PAGE, 0));
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &set(0x2000)), OK);
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &set(0x2000)), OK, "sharing twice is harmless");
    h.write(mso + 0x2000, b"from the host");
    assert_eq!(h.rc(&PinUvcb { paddr: mso + 0x2000 }), OK);
    assert_eq!(h.uv.page_state(mso + 0x2000), PageState::Pinned { config: cfg });
    let (out, _) = guest_call(&mut h.uv, cpu, 0, &RemoveSharedUvcb { paddr: 0x2000 });
    assert_eq!(out, GuestUvcOutcome::NotificationIntercept);
    // Unpin: not mapped 0x010a; not shared 0x0101; pinned → shared.
    assert_eq!(h.rc(&UnpinUvcb { guest_handle: cfg, gaddr: GUEST_MSL }), (import::NOT_MAPPED, 0));
    assert_eq!(h.rc(&UnpinUvcb { guest_handle: cfg, gaddr: 0 }), (page::NOT_SHARED, 0));
    assert_eq!(h.rc(&UnpinUvcb { guest_handle: cfg, gaddr: 0x2000 }), OK);
    assert_eq!(h.uv.page_state(mso + 0x2000), PageState::Shared { config: cfg });
    // Unshare all needs stopped CPUs; pinned and shared pages become private.
    assert_eq!(h.rc(&PinUvcb { paddr: mso + 0x2000 }), OK);
    assert_eq!(h.nodata(UvcCmd::UnshareAll, cfg), OK);
    assert_eq!(h.uv.page_state(mso + 0x2000), PageState::Secure { config: cfg });
    assert_eq!(
        h.read(mso + 0x2000, 1),
        Err(StorageFault::SecureStorageAccess { addr: GuestAbs(mso + 0x2000) })
    );
    let mut b = [0u8; 13];
    h.uv.guest_storage(cpu).unwrap().read(GuestAbs(0x2000), &mut b).unwrap();
    assert_eq!(&b, b"from the host");
}

#[test]
fn cpu_state_and_resets() {
    let (mut h, cfg, cpu) = setup();
    let set = |state| CpuSetStateUvcb { cpu_handle: cpu, state };
    assert_eq!(h.rc(&set(4)), (cpu_state::INVALID_STATE, 0));
    assert_eq!(h.rc(&set(0)), (cpu_state::INVALID_STATE, 0));
    assert_eq!(h.rc(&CpuSetStateUvcb { cpu_handle: cpu ^ 1, state: 2 }), (rc::INV_CHANDLE, 0));
    // Not verified: operating and operating-load refused; stop and check-stop allowed.
    assert_eq!(h.rc(&set(1)), (rc::INV_STATE, 0));
    assert_eq!(h.rc(&set(5)), (rc::INV_STATE, 0));
    assert_eq!(h.rc(&set(3)), OK);
    assert_eq!(h.rc(&set(2)), OK);
    for cmd in [UvcCmd::CpuReset, UvcCmd::CpuResetInitial, UvcCmd::CpuResetClear] {
        assert_eq!(h.nodata(cmd, cpu), OK, "{cmd:?} on a stopped CPU");
        assert_eq!(h.nodata(cmd, cpu ^ 1), (rc::INV_CHANDLE, 0));
    }
    assert_eq!(h.nodata(UvcCmd::PrepareReset, cfg), (rc::INV_STATE, 0), "not verified");
    assert_eq!(h.nodata(UvcCmd::PrepareReset, cfg ^ 1), (rc::INV_GHANDLE, 0));
    // Dump needs a verified configuration.
    assert_eq!(h.nodata(UvcCmd::DumpInit, cfg), (rc::INV_STATE, 0));
    assert_eq!(
        h.rc(&DumpCpuUvcb { cpu_handle: cpu, dump_area_origin: 0x40_0000 }),
        (rc::INV_STATE, 0)
    );
}

#[test]
fn dump_needs_permission_and_a_writable_area() {
    // A1 (pcf 0xe0) does not allow dumping; verify A1 first.
    let mut h = Host::ready();
    let cfg = h.create_config();
    assert_eq!(h.ssc(cfg, &asset("A1/sehdr.bin")), OK);
    let mso = Host::mso(0);
    for (file, addr) in
        [("A1/kernel.enc", 0x15000u64), ("A1/ramdisk.enc", 0x19000), ("A1/cmdline.enc", 0x1d000)]
    {
        h.write(mso + addr, &asset(file));
    }
    let tweaks = [
        (0x15000u64, 0x0028_f8f9_18b5_a845u64, 4u64),
        (0x19000, 0x0032_e64d_cc91_e1c1, 4),
        (0x1d000, 0x003c_df4f_ea98_343f, 1),
    ];
    for (addr, prefix, n) in tweaks {
        for i in 0..n {
            let u = pv_core::uvc::uvcb::UnpackUvcb {
                guest_handle: cfg,
                gaddr: addr + i * 0x1000,
                tweak0: prefix,
                tweak1: i * 0x1000,
            };
            assert_eq!(h.rc(&u), OK);
        }
    }
    assert_eq!(h.nodata(UvcCmd::Verify, cfg), OK);
    assert_eq!(h.nodata(UvcCmd::Verify, cfg), (rc::INV_STATE, 0), "only once");
    assert_eq!(h.nodata(UvcCmd::DumpInit, cfg), (dump::NOT_ALLOWED, 0));
    let cpu = h.create_cpu(cfg, 0);
    assert_eq!(h.rc(&CpuSetStateUvcb { cpu_handle: cpu, state: 1 }), OK);
    assert_eq!(h.nodata(UvcCmd::CpuReset, cpu), (rc::INV_STATE, 0), "operating");
    assert_eq!(h.nodata(UvcCmd::UnshareAll, cfg), (rc::INV_STATE, 0), "operating");
}
