//! The host reset through `pv_core::uvc::Ultravisor::host_reset` (uv-spec.md §3.1, §9
//! item 6), as the hypervisor calls it for the host's DIAG 308: donated storage zeroed
//! and given back, every configuration and CPU gone, the UV uninitialized; a clear
//! reset also clears the host's own storage.

mod support;

use pv_core::StorageFault;
use pv_core::uvc::rc::{self, init};
use pv_core::uvc::uvcb::CgcUvcb;
use pv_core::uvc::{HostReset, Ultravisor};
use support::*;

fn ready_with_a_cpu() -> (Host, u64) {
    let mut h = Host::ready();
    let cfg = h.create_config();
    h.create_cpu(cfg, 0);
    h.write(0x5_0000, &[0xaa; 16]);
    (h, cfg)
}

#[test]
fn a_normal_reset_wipes_the_ultravisor_and_keeps_host_storage() {
    let (mut h, cfg) = ready_with_a_cpu();
    assert!(matches!(h.read(UV_BASE, 8), Err(StorageFault::SecureStorageAccess { .. })));
    Ultravisor::host_reset(&mut h.uv, HostReset::Normal).unwrap();
    assert!(!h.uv.is_initialized());
    assert!(h.uv.config_handles().is_empty() && h.uv.cpu_handles().is_empty());
    assert!(h.uv.protected_pages().is_empty());
    for at in [UV_BASE, CONF_BASE, CONF_VAR, CPU_STOR] {
        assert_eq!(h.read(at, 8).unwrap(), [0; 8], "{at:#x}");
    }
    assert_eq!(h.read(0x5_0000, 16).unwrap(), [0xaa; 16]);
    // Every host command but Initialize and Query is refused again; Initialize works.
    let u = CgcUvcb { guest_handle: 0, ..h.cgc_uvcb() };
    assert_eq!(h.rc(&u), (rc::INV_STATE, 0));
    assert_eq!(h.nodata(pv_core::uvc::UvcCmd::DestroyConfig, cfg), (rc::INV_STATE, 0));
    let i = h.init_uvcb();
    assert_eq!(h.rc(&i), (rc::EXECUTED, 0));
    assert_eq!(h.rc(&i), (init::ALREADY_INITIALIZED, 0));
    h.uv.check_consistency().unwrap();
}

#[test]
fn a_clear_reset_also_clears_host_storage() {
    let (mut h, _) = ready_with_a_cpu();
    Ultravisor::host_reset(&mut h.uv, HostReset::Clear).unwrap();
    assert!(!h.uv.is_initialized());
    assert_eq!(h.read(0x5_0000, 16).unwrap(), [0; 16]);
    assert_eq!(h.read(UV_BASE, 8).unwrap(), [0; 8]);
    h.uv.check_consistency().unwrap();
}
