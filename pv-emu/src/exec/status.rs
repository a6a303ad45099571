//! STORE STATUS (Principles of Operation, chapter 4, "Store Status"): the architected
//! register save area a stopped CPU's state is written to, at absolute 0x1200 of its
//! prefix area (SIGP STOP AND STORE STATUS) or at an address (SIGP STORE STATUS AT
//! ADDRESS); machine.md, "Lowcore usage".

use pv_core::{GuestAbs, Storage, StorageFault};

use super::Cpu;

/// Size of the save area.
pub const SAVE_AREA_SIZE: usize = 0x200;
/// The save area's offset in the prefix area (store status at 0).
pub const SAVE_AREA_LOWCORE: u64 = 0x1200;

/// Offsets inside the save area.
mod off {
    pub const FPRS: usize = 0x000;
    pub const GRS: usize = 0x080;
    pub const PSW: usize = 0x100;
    pub const PREFIX: usize = 0x118;
    pub const FPC: usize = 0x11c;
    pub const TODPR: usize = 0x124;
    pub const CPU_TIMER: usize = 0x128;
    pub const CKC: usize = 0x130;
    pub const ARS: usize = 0x140;
    pub const CRS: usize = 0x180;
}

impl Cpu {
    /// The 512-byte save area for this CPU's current state.
    pub fn status_area(&self) -> [u8; SAVE_AREA_SIZE] {
        let st = &self.state;
        let mut a = [0u8; SAVE_AREA_SIZE];
        for i in 0..16 {
            a[off::FPRS + i * 8..][..8].copy_from_slice(&st.fpr[i].to_be_bytes());
            a[off::GRS + i * 8..][..8].copy_from_slice(&st.gr[i].to_be_bytes());
            a[off::ARS + i * 4..][..4].copy_from_slice(&st.ar[i].to_be_bytes());
            a[off::CRS + i * 8..][..8].copy_from_slice(&st.cr[i].to_be_bytes());
        }
        a[off::PSW..][..16].copy_from_slice(&st.psw.to_bytes());
        a[off::PREFIX..][..4].copy_from_slice(&st.prefix.to_be_bytes());
        a[off::FPC..][..4].copy_from_slice(&st.fpc.to_be_bytes());
        a[off::TODPR..][..4].copy_from_slice(&0u32.to_be_bytes());
        a[off::CPU_TIMER..][..8].copy_from_slice(&st.cpu_timer.to_be_bytes());
        // Bits 0-55 of the clock comparator.
        a[off::CKC..][..8].copy_from_slice(&(st.ckc >> 8).to_be_bytes());
        a
    }

    /// STORE STATUS at absolute 0x1200 of the prefix area.
    pub fn store_status<S: Storage + ?Sized>(&self, mem: &mut S) -> Result<(), StorageFault> {
        let at = u64::from(self.state.prefix) + SAVE_AREA_LOWCORE;
        mem.write(GuestAbs(at), &self.status_area())
    }

    /// STORE STATUS AT ADDRESS: the same area at absolute `addr` (512-byte aligned).
    pub fn store_status_at<S: Storage + ?Sized>(
        &self,
        mem: &mut S,
        addr: u64,
    ) -> Result<(), StorageFault> {
        mem.write(GuestAbs(addr & !0x1ff), &self.status_area())
    }
}
