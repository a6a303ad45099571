//! The machine's absolute storage as the hypervisor reaches it (DESIGN.md "The trust
//! boundary, in code"): either its own [`GuestMemory`] (a machine without an
//! ultravisor) or the attached ultravisor's checked host view, which owns the one
//! machine-wide storage and refuses donated and secure pages with PGM 0x3d.
//!
//! [`MachineMemory`] implements [`Storage`] by delegating, for the loader, SCLP, SIGP,
//! DIAG and interruption delivery. The CPUs' hot loop does not go through it: the
//! machine matches once per slice and runs pv-emu on the concrete storage, so a machine
//! without an ultravisor pays no dynamic call per access.

use pv_core::{GuestAbs, Storage, StorageFault};

use crate::memory::GuestMemory;
use crate::uv::HostUltravisor;

/// Storage of one machine.
pub enum MachineMemory {
    /// The hypervisor's own sparse storage (no ultravisor).
    Plain(GuestMemory),
    /// The attached ultravisor, whose host view is the storage (build it with
    /// [`MachineMemory::attach`]).
    Ultravisor {
        /// The ultravisor.
        uv: Box<dyn HostUltravisor>,
        /// The size of its host view, in bytes.
        size: u64,
    },
}

impl core::fmt::Debug for MachineMemory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Plain(m) => m.fmt(f),
            Self::Ultravisor { size, .. } => {
                f.debug_struct("MachineMemory::Ultravisor").field("size", size).finish()
            }
        }
    }
}

impl MachineMemory {
    /// Storage that is `uv`'s host view.
    pub fn attach(mut uv: Box<dyn HostUltravisor>) -> Self {
        let size = uv.storage().size();
        Self::Ultravisor { uv, size }
    }

    /// The hypervisor's own storage, if no ultravisor is attached.
    pub fn plain(&self) -> Option<&GuestMemory> {
        match self {
            Self::Plain(m) => Some(m),
            Self::Ultravisor { .. } => None,
        }
    }

    /// The attached ultravisor, if any.
    pub fn ultravisor(&mut self) -> Option<&mut dyn HostUltravisor> {
        match self {
            Self::Plain(_) => None,
            Self::Ultravisor { uv, .. } => Some(uv.as_mut()),
        }
    }

    /// The storage as a trait object (the ultravisor's host view, or the own storage).
    pub fn as_dyn(&mut self) -> &mut dyn Storage {
        match self {
            Self::Plain(m) => m,
            Self::Ultravisor { uv, .. } => uv.storage(),
        }
    }
}

impl Storage for MachineMemory {
    fn size(&self) -> u64 {
        match self {
            Self::Plain(m) => m.size(),
            Self::Ultravisor { size, .. } => *size,
        }
    }

    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        self.as_dyn().read(addr, buf)
    }

    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        self.as_dyn().write(addr, data)
    }

    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault> {
        self.as_dyn().storage_key(addr)
    }

    fn set_storage_key(&mut self, addr: GuestAbs, key: u8) -> Result<(), StorageFault> {
        self.as_dyn().set_storage_key(addr, key)
    }

    fn frame_generation(&self, addr: GuestAbs) -> Option<u64> {
        match self {
            Self::Plain(m) => m.frame_generation(addr),
            // The host view is reachable only mutably here; the CPUs run on the view itself
            // (`HostUltravisor::storage`), which has generations.
            Self::Ultravisor { .. } => None,
        }
    }
}
