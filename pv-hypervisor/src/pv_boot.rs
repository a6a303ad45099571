//! The host side of starting a secure guest, as KVM performs it for QEMU's DIAG 308
//! subcode 10 (uv-spec.md §3.2 steps 1-5, §6.5, §8.5): `KVM_PV_ENABLE` (Initialize once per
//! host, Create Secure Configuration with donated base and variable storage, Create
//! Secure CPU with donated CPU storage per vCPU), `KVM_PV_SET_SEC_PARMS` (Set Secure
//! Configuration Parameters with the SE header), `KVM_PV_UNPACK` (one Unpack per page of
//! every secured component of the PV IPIB, se-format.md §3.6) and `KVM_PV_VERIFY`.
//!
//! Every step is a UVC on architected UVCB bytes through [`pv_core::uvc::call`], so this
//! works on any [`pv_core::uvc::Ultravisor`] and sees only what the host may see. The
//! storage sizes to donate come from Query Ultravisor Information, as KVM takes them; the
//! donated areas are carved, page aligned, from the host range [`PvLayout::donate_from`]
//! upwards. An architected failure ends the boot with the failing command and its
//! rc/rrc ([`PvBootError::Uvc`]).

use pv_core::uvc::guest::QuiUvcb;
use pv_core::uvc::uvcb::{CgcUvcb, CscUvcb, InitUvcb, SscUvcb, UnpackUvcb};
use pv_core::uvc::{CallError, Ultravisor, UvcCmd, UvcOutcome, Uvcb, call, call_nodata, rc};
use pv_core::{GuestAbs, PAGE_SIZE_U64, StorageFault};
use pv_ipl::ipib::PvComponent;

/// Where the host keeps what the boot needs (host absolute addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PvLayout {
    /// A page the host uses for UVCBs.
    pub uvcb: u64,
    /// The guest's system-control area (SCA) origin.
    pub sca: u64,
    /// The first vCPU's SIE state description; vCPU `n` uses `sie + n * 4 KiB`.
    pub sie: u64,
    /// Where the SE header is copied for Set Secure Configuration Parameters.
    pub header: u64,
    /// Start of host storage free for donation (Initialize's UV storage, configuration
    /// base and variable storage, CPU storage, in that order).
    pub donate_from: u64,
    /// The guest's main-storage origin (guest absolute 0) in host absolute storage.
    pub mso: u64,
    /// The guest's main-storage length.
    pub msl: u64,
    /// The guest address-space-control element (unique per configuration).
    pub asce: u64,
}

impl PvLayout {
    /// A layout for a host of at least 8 GiB of (sparse) storage: UVCBs at 64 KiB, the
    /// SCA at 128 KiB, state descriptions from 192 KiB, the header at 512 KiB, donated
    /// storage from 2 GiB, and a 64 MiB guest at 4 GiB (above the 2 GiB line, where the
    /// donated storage of real hosts lives too).
    pub const SPARSE_8G: Self = Self {
        uvcb: 0x1_0000,
        sca: 0x2_0000,
        sie: 0x3_0000,
        header: 0x8_0000,
        donate_from: 2 << 30,
        mso: 4 << 30,
        msl: 64 << 20,
        asce: 0x100_0000 | 0x100 | 0x3,
    };
}

/// A booted secure guest: its configuration and CPU handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureGuest {
    /// The secure configuration handle.
    pub config: u64,
    /// The secure CPU handles, by CPU address.
    pub cpus: Vec<u64>,
    /// Pages unpacked.
    pub pages: u64,
}

/// Why [`boot`] stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PvBootError<E: core::fmt::Debug> {
    /// A UVC completed with a failure code.
    #[error("{cmd:?} failed with rc {rc:#06x} rrc {rrc:#06x}")]
    Uvc {
        /// The command.
        cmd: UvcCmd,
        /// Its return code.
        rc: u16,
        /// Its return reason code.
        rrc: u16,
    },
    /// A UVC ended in a program interruption (a host mistake: UVCB not addressable).
    #[error("{cmd:?} ended in program interruption {code:#06x}")]
    Program {
        /// The command.
        cmd: UvcCmd,
        /// The interruption code.
        code: u16,
    },
    /// The host could not store the header or the UVCB.
    #[error("host storage: {0:?}")]
    Storage(StorageFault),
    /// The ultravisor model failed.
    #[error("ultravisor model fault: {0:?}")]
    Model(E),
    /// The layout does not fit: the donated areas or the guest overflow the address space.
    #[error("the PV layout overflows the address space")]
    Layout,
}

impl<E: core::fmt::Debug> From<CallError<E>> for PvBootError<E> {
    fn from(e: CallError<E>) -> Self {
        match e {
            CallError::Storage(s) => Self::Storage(s),
            CallError::Model(m) => Self::Model(m),
        }
    }
}

/// `Ok` for rc 0x0001; the failure otherwise.
fn check<E: core::fmt::Debug>(cmd: UvcCmd, o: UvcOutcome) -> Result<(), PvBootError<E>> {
    match o {
        UvcOutcome::Completed { rc: rc::EXECUTED, .. } => Ok(()),
        UvcOutcome::Completed { rc, rrc, .. } => Err(PvBootError::Uvc { cmd, rc, rrc }),
        UvcOutcome::Program { code } => Err(PvBootError::Program { cmd, code }),
    }
}

/// One typed UVC at the layout's UVCB page.
fn uvc<U: Ultravisor + ?Sized, T: Uvcb>(
    uv: &mut U,
    at: u64,
    u: &T,
) -> Result<T, PvBootError<U::Error>> {
    let (o, out) = call(uv, at, u)?;
    check(T::CMD, o)?;
    Ok(out)
}

/// A page-aligned bump allocator over the donation range.
struct Carve(u64);

impl Carve {
    fn take<E: core::fmt::Debug>(&mut self, len: u64) -> Result<u64, PvBootError<E>> {
        let at = self.0;
        let len = len.checked_next_multiple_of(PAGE_SIZE_U64).ok_or(PvBootError::Layout)?;
        self.0 = at.checked_add(len).ok_or(PvBootError::Layout)?;
        Ok(at)
    }
}

/// Initializes the ultravisor if it is not yet (Query, then Initialize with the UV storage
/// it asks for), creates a secure configuration for `layout` with `cpus` secure CPUs,
/// sets `header`, unpacks every page of `components` and verifies. The image must already
/// be in guest storage (the non-secure loader put it there).
pub fn boot<U: Ultravisor + ?Sized>(
    uv: &mut U,
    layout: &PvLayout,
    header: &[u8],
    components: &[PvComponent],
    cpus: u16,
) -> Result<SecureGuest, PvBootError<U::Error>> {
    let at = layout.uvcb;
    let q: QuiUvcb = uvc(uv, at, &QuiUvcb::default())?;
    let mut carve = Carve(layout.donate_from);
    // Initialize: once per host; rc 0x0003 "already initialized" is not an error here
    // (KVM initializes at module load and every guest shares it).
    let uv_stor = carve.take(q.uv_base_stor_len)?;
    let init = InitUvcb { stor_origin: uv_stor, stor_len: q.uv_base_stor_len };
    let (o, _) = call(uv, at, &init)?;
    if !matches!(o, UvcOutcome::Completed { rc: rc::EXECUTED | rc::INV_STATE, .. }) {
        check(UvcCmd::Init, o)?;
    }
    // Create Secure Configuration: base storage, and variable storage of the fixed part
    // plus the per-MiB part for the guest's storage (uv-spec.md §2).
    let base = carve.take(q.conf_base_phys_stor_len)?;
    let per_mib = q.conf_virt_var_stor_len.checked_mul(layout.msl.div_ceil(1 << 20));
    let var_len = per_mib
        .and_then(|v| v.checked_next_multiple_of(PAGE_SIZE_U64))
        .and_then(|v| v.checked_add(q.conf_base_virt_stor_len))
        .ok_or(PvBootError::Layout)?;
    let var = carve.take(var_len)?;
    let cgc = CgcUvcb {
        guest_handle: 0,
        conf_base_stor_origin: base,
        conf_virt_stor_origin: var,
        flags: 0,
        guest_stor_origin: layout.mso,
        guest_stor_len: layout.msl,
        guest_sca: layout.sca,
        guest_asce: layout.asce,
    };
    let config = uvc(uv, at, &cgc)?.guest_handle;
    let mut handles = Vec::with_capacity(usize::from(cpus));
    for num in 0..cpus {
        let csc = CscUvcb {
            cpu_handle: 0,
            guest_handle: config,
            stor_origin: carve.take(q.cpu_stor_len)?,
            num,
            state_origin: layout.sie + u64::from(num) * PAGE_SIZE_U64,
        };
        handles.push(uvc(uv, at, &csc)?.cpu_handle);
    }
    uv.host_storage().write(GuestAbs(layout.header), header).map_err(PvBootError::Storage)?;
    let len = u32::try_from(header.len()).map_err(|_| PvBootError::Layout)?;
    let ssc =
        SscUvcb { guest_handle: config, sec_header_origin: layout.header, sec_header_len: len };
    uvc(uv, at, &ssc)?;
    let mut pages = 0;
    for c in components {
        for off in (0..c.len).step_by(PAGE_SIZE_U64 as usize) {
            let gaddr = c.addr.checked_add(off).ok_or(PvBootError::Layout)?;
            let u = UnpackUvcb { guest_handle: config, gaddr, tweak0: c.tweak_prefix, tweak1: off };
            uvc(uv, at, &u)?;
            pages += 1;
        }
    }
    check(UvcCmd::Verify, call_nodata(uv, at, UvcCmd::Verify, config)?)?;
    Ok(SecureGuest { config, cpus: handles, pages })
}
