//! Machine-check injection (uv-spec.md §5.5: "Machine check: mcic, failing address, damage
//! code; the UV writes the register save areas"). The host chooses `iictl` 1 with the
//! machine-check interruption code in `mcic` (0xc0), the external damage code in `edc`
//! (0xcc) and the failing storage address in `faddr` (0xd0); the ultravisor stores what
//! the architecture stores on a machine-check interruption into the guest's prefix area
//! and loads the machine-check new PSW.
//!
//! Prefix-area locations (Linux `arch/s390/include/asm/lowcore.h`, Principles of
//! Operation ch. 11): MCIC 0xe8 (8 bytes), external damage code 0xf4 (4), failing
//! storage address 0xf8 (8), machine-check old PSW 0x160, new PSW 0x1e0, and the register
//! save areas of the store-status layout at 0x1200 (FPRs 0x1200, GRs 0x1280, FPC 0x131c,
//! CPU timer 0x1328, clock comparator 0x1330, ARs 0x1340, CRs 0x1380). The PSW and prefix
//! slots of that layout (0x1300, 0x1318) are left alone: the PSW goes to the old-PSW
//! slot *\[inferred\]*.
//!
//! Enablement (KVM's `MCHK_EX_MASK`/`MCHK_REP_MASK` and the CR14 subclass masks): PSW bit
//! 13 always; system damage (MCIC bit 0) and instruction-processing damage (bit 1) are
//! exigent and need nothing else; the repressible conditions need their CR14 subclass
//! mask: system recovery (bit 2) → CR14 bit 36, external damage (bit 5) → bit 38,
//! degradation (bit 7) → bit 37, warning (bit 8) → bit 39, channel report pending (bit 9)
//! → bit 35. An MCIC with none of these enabled is a validity (0x200f) *\[inferred\]*.

use pv_core::psw::PSW_MASK_MCHECK;
use pv_core::sie::StateDescription;
use pv_core::{GuestAbs, Psw, Storage};
use pv_emu::Cpu;
use pv_emu::cpu::{CpuState, lowcore};
use pv_emu::exec::status::{SAVE_AREA_LOWCORE, SAVE_AREA_SIZE};

/// MCIC bit (MSB 0) → the CR14 subclass mask it needs; 0 for exigent conditions.
const CONDITIONS: [(u32, u64); 7] = [
    (0, 0),       // system damage
    (1, 0),       // instruction-processing damage
    (2, 1 << 27), // system recovery → CR14 bit 36
    (5, 1 << 25), // external damage → CR14 bit 38
    (7, 1 << 26), // degradation → CR14 bit 37
    (8, 1 << 24), // warning → CR14 bit 39
    (9, 1 << 28), // channel report pending → CR14 bit 35
];

/// Lowcore locations.
const MCIC: u64 = 0xe8;
const EDC: u64 = 0xf4;
const FADDR: u64 = 0xf8;
/// The PSW and prefix slots of the save area (left alone).
const SA_PSW: core::ops::Range<usize> = 0x100..0x110;
const SA_PREFIX: core::ops::Range<usize> = 0x118..0x11c;

/// Whether the CPU in state `s` may take a machine check with `mcic`.
pub(crate) fn enabled(s: &CpuState, mcic: u64) -> bool {
    if s.psw.mask & PSW_MASK_MCHECK == 0 {
        return false;
    }
    CONDITIONS
        .iter()
        .any(|&(bit, cr14)| mcic & (1u64 << (63 - bit)) != 0 && (cr14 == 0 || s.cr[14] & cr14 != 0))
}

/// Delivers the machine check the host chose in `sd` (the entry checks allowed it).
pub(crate) fn deliver<S: Storage + ?Sized>(cpu: &mut Cpu, mem: &mut S, sd: &StateDescription) {
    let st = &cpu.state;
    let at = |off: u64| GuestAbs(st.prefixed(off));
    // A guest page that is not secure takes the stores as a host would see them: the
    // prefix pages were checked secure at entry, so these never fail.
    let _ = mem.write(at(MCIC), &sd.mcic().to_be_bytes());
    let _ = mem.write(at(EDC), &sd.edc().to_be_bytes());
    let _ = mem.write(at(FADDR), &sd.faddr.to_be_bytes());
    let area = cpu.status_area();
    const _: () = assert!(SAVE_AREA_SIZE == 0x200);
    let mut start = 0;
    for skip in [SA_PSW, SA_PREFIX] {
        let _ = mem.write(at(SAVE_AREA_LOWCORE + start as u64), &area[start..skip.start]);
        start = skip.end;
    }
    let _ = mem.write(at(SAVE_AREA_LOWCORE + start as u64), &area[start..]);
    let _ = mem.write(at(lowcore::MCCK_OLD), &st.psw.to_bytes());
    let mut new = [0u8; 16];
    let _ = mem.read(at(lowcore::MCCK_NEW), &mut new);
    cpu.state.psw = Psw::from_bytes(&new);
}

#[cfg(test)]
mod tests {
    use super::*;
    use pv_emu::ram::Ram;

    #[test]
    fn enablement() {
        let mut s = CpuState::new();
        let (sd_bit, warning) = (1u64 << 63, 1u64 << (63 - 8));
        assert!(!enabled(&s, sd_bit), "PSW bit 13 off");
        s.psw.mask |= PSW_MASK_MCHECK;
        assert!(enabled(&s, sd_bit), "exigent");
        assert!(!enabled(&s, 0), "no condition");
        s.cr[14] = 0;
        assert!(!enabled(&s, warning), "warning masked");
        s.cr[14] = 1 << 24;
        assert!(enabled(&s, warning));
        assert!(!enabled(&s, 1 << (63 - 5)), "external damage masked");
    }

    #[test]
    fn delivery_stores_the_architected_fields() {
        let mut cpu = Cpu::new();
        let mut ram = Ram::new(0x10_0000);
        cpu.state.prefix = 0x2_0000;
        cpu.state.gr[11] = 0x1111;
        cpu.state.psw = Psw { mask: 0x0004_0001_8000_0000, addr: 0x4242 };
        ram.write(GuestAbs(0x2_0000 + 0x1e0), &Psw::new_64bit(0x9000).to_bytes()).unwrap();
        ram.write(GuestAbs(0x2_0000 + 0x1318), &[0xaa; 4]).unwrap();
        let mut sd = StateDescription { faddr: 0x7000, ..Default::default() };
        sd.set_mcic(0x0080_0000_0000_0001);
        sd.set_edc(0x55);
        deliver(&mut cpu, &mut ram, &sd);
        let rd = |ram: &mut Ram, a: u64, n: usize| {
            let mut b = alloc::vec![0u8; n];
            ram.read(GuestAbs(0x2_0000 + a), &mut b).unwrap();
            b
        };
        assert_eq!(rd(&mut ram, 0xe8, 8), 0x0080_0000_0000_0001u64.to_be_bytes());
        assert_eq!(rd(&mut ram, 0xf4, 4), 0x55u32.to_be_bytes());
        assert_eq!(rd(&mut ram, 0xf8, 8), 0x7000u64.to_be_bytes());
        assert_eq!(rd(&mut ram, 0x1280 + 88, 8), 0x1111u64.to_be_bytes());
        assert_eq!(rd(&mut ram, 0x1318, 4), [0xaa; 4], "prefix slot untouched");
        assert_eq!(
            rd(&mut ram, 0x160, 16),
            Psw { mask: 0x0004_0001_8000_0000, addr: 0x4242 }.to_bytes()
        );
        assert_eq!(cpu.state.psw.addr, 0x9000);
    }
}
